using Workbooks.Data;
using Workbooks.Data.Tokenization;
using Workbooks.Experiments.Common;
using Workbooks.Training;
using static TorchSharp.torch;

namespace Workbooks.Experiments.Pretraining;

/// <summary>Trains a GPT on a corpus through the run store, and samples from it.</summary>
public static class CorpusTraining
{
    public const string Experiment = "pretraining";

    public static JobResult Run(CorpusTrainingConfig config, JobRunner runner, CancellationToken cancellation = default)
    {
        var (docs, identity) = new CorpusSpec(config.Corpus, Seed: (int)config.Seed).Load();
        var tokenizer = TokenizerFor(config, docs);
        var model = config.Model with { VocabSize = tokenizer.VocabSize };
        var job = new TrainingJob
        {
            Experiment = Experiment,
            Name = $"{Path.GetFileNameWithoutExtension(config.Corpus)} {model.Layers}x{model.Width}",
            Model = model,
            Train = new TrainConfig
            {
                Steps = config.Steps,
                Schedule = config.Schedule,
                WeightDecay = config.WeightDecay,
                EvalInterval = config.EvalInterval,
                Seed = config.Seed,
                Device = config.Device,
                Threads = config.Threads,
            },
            Data = new { corpus = identity, tokenizer = tokenizer.Spec, config.BatchSize, config.ValidationFraction, config.EvalWindows },
        };
        return runner.Run(job, () =>
        {
            var (train, validation) = Split(docs, tokenizer, config);
            return new JobInputs(
                new RandomWindows(train, config.BatchSize, model.ContextLength, config.Seed),
                [new EvalSet("validation", new EvalBatches(validation, config.BatchSize, model.ContextLength, config.EvalWindows).All().ToList())]);
        }, cancellation);
    }

    /// <summary>The tokenizer the config names; a char vocabulary is built from the corpus itself.</summary>
    public static TextTokenizer TokenizerFor(CorpusTrainingConfig config, IReadOnlyList<Document> docs) =>
        config.Tokenizer == "char"
            ? Tokenizers.Characters(string.Concat(docs.Select(d => d.Text)), endOfText: docs.Count > 1)
            : Tokenizers.Create(config.Tokenizer);

    static (int[] Train, int[] Validation) Split(IReadOnlyList<Document> docs, TextTokenizer tokenizer, CorpusTrainingConfig config) =>
        DocumentSplit.Tokens(docs, config.ValidationFraction, config.Seed, tokenizer);

    /// <summary>Continues a prompt with the trained model (temperature 0: greedy).</summary>
    public static string Sample(JobRunner runner, JobResult result, CorpusTrainingConfig config, string prompt,
        int tokens = 200, double temperature = 0.8, int? topK = 20, long seed = 0)
    {
        var (docs, _) = new CorpusSpec(config.Corpus, Seed: (int)config.Seed).Load();
        var tokenizer = TokenizerFor(config, docs);
        using var model = runner.LoadModel(result, config.Model with { VocabSize = tokenizer.VocabSize }, device: config.Device);
        var ids = tokenizer.Encode(prompt);
        if (ids.Length == 0) throw new ArgumentException("The prompt encodes to no tokens.", nameof(prompt));
        using var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0).to(model.parameters().First().device);
        using var output = model.Generate(input, tokens, temperature, topK, new Generator((ulong)seed, input.device));
        var all = output[0].cpu().data<long>().Select(v => (int)v).ToArray();
        return tokenizer.Decode(all);
    }
}
