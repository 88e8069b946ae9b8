using Workbooks.Data;
using System.Diagnostics;
using System.Globalization;
using Workbooks.Data.Curriculum;
using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;
using Workbooks.Experiments.Common;
using Workbooks.Models;
using Workbooks.Training;

namespace Workbooks.Experiments.Curriculum;

/// <summary>
/// The curriculum experiment: orderings by several difficulty measures, Skill-it against uniform on skills with
/// prerequisites, and loss-based reweighting against uniform, every arm at equal token budgets over several seeds,
/// each arm a <see cref="TrainingJob"/> replayed from the run store when it already ran.
/// </summary>
public sealed class CurriculumExperiment : IFamily<CurriculumConfig, CurriculumResult>
{
    CurriculumExperiment() { }

    public static string Name => "curriculum";
    public static CurriculumConfig Preset(Profile profile) => CurriculumConfig.Preset(profile);
    public static CurriculumConfig Current() => CurriculumConfig.Current();

    public const string Experiment = "curriculum";
    /// <summary>The data is fixed across seeds; seeds vary the initial weights and the orders' randomness.</summary>
    public const int DataSeed = 7;
    /// <summary>The data seed of the base model's disjoint pretraining sample.</summary>
    public const int BaseDataSeed = 8;
    const string Validation = "validation";
    const string Target = "target";
    const string Accuracy = "accuracy/target";
    const string MixturePrefix = "mixture/";

    /// <summary>What names a data set exactly, for the run store's hash.</summary>
    public sealed record DatasetKey(string Name, string Source, string Tokenizer, int ContextLength, int TrainSequences, int ValidationSequences, int Seed);

    /// <summary>What names an arm's data exactly: the data set, the arm, its order's parameters and the reference model it uses.</summary>
    public sealed record ArmData(string Part, DatasetKey Dataset, string Arm, string Parameters, string? Reference = null);

    public static CurriculumResult Run(CurriculumConfig config, JobRunner runner, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(runner);
        config.Validate();
        var clock = Stopwatch.StartNew();
        var tokenizer = Tokenizers.Create(config.Tokenizer);
        var model = config.Model with { VocabSize = tokenizer.VocabSize };
        model.Validate();
        int context = model.ContextLength, trainSequences = config.Steps * config.BatchSize;

        var runs = new List<ArmRun>();
        var agreement = new List<DifficultyAgreement>();
        IReadOnlyList<string> skillNames = [];
        double[,]? measured = null;
        var datasets = config.GradedCorpora
            .Select(g => CurriculumData.Graded(g, tokenizer, context, trainSequences, config.ValidationSequences, DataSeed, config.AnswerItems)).ToList();
        if (config.CorpusPath is { } corpus)
            datasets.Add(CurriculumData.UserCorpus(corpus, tokenizer, context, trainSequences, config.ValidationSequences, DataSeed));
        // The base (and reference) model's data: a disjoint sample of the same source, seen in random order, so the
        // base has learned the format but not the fine-tuning sequences, and no ordering has touched it.
        var baseData = config.GradedCorpora
            .Select(g => CurriculumData.Graded(g, tokenizer, context, config.ReferenceSteps * config.BatchSize, config.ValidationSequences, BaseDataSeed)).ToList();
        if (config.CorpusPath is { } corpus2)
            baseData.Add(CurriculumData.UserCorpus(corpus2, tokenizer, context, config.ReferenceSteps * config.BatchSize, config.ValidationSequences, BaseDataSeed));

        foreach (var (data, pretrain) in datasets.Zip(baseData))
        {
            var key = new DatasetKey(data.Name, data.Source, tokenizer.Spec, context, trainSequences, config.ValidationSequences, DataSeed);
            var baseKey = new DatasetKey(pretrain.Name, pretrain.Source, tokenizer.Spec, context, pretrain.Train.Count, config.ValidationSequences, BaseDataSeed);
            var (scores, reference) = Difficulties(config, model, runner, data, pretrain, baseKey, cancellation);
            agreement.Add(Agreement(data.Name, scores));
            foreach (var arm in config.OrderingArms)
            {
                if (CurriculumArms.ScoredMeasure(arm) is { } m && !scores.ContainsKey(m)) continue; // e.g. level on a user corpus
                foreach (var budget in config.OrderingBudgets)
                    foreach (var seed in config.Seeds)
                        runs.Add(Ordering(config, model, runner, data, key, arm, seed, budget, scores, reference, tokenizer, cancellation));
            }
        }

        if (config.SkillArms.Count > 0)
        {
            var skillCorpus = SkillCorpusOf(config);
            skillNames = skillCorpus.Graph.Skills;
            int perSkill = (config.SkillStepsOrDefault * config.BatchSize + skillNames.Count - 1) / skillNames.Count;
            var skills = CurriculumData.Skills(skillCorpus, tokenizer, context, perSkill, 4, config.SkillValidationItems, DataSeed);
            var name = skillCorpus is LegoSkills lego ? $"lego{config.LegoChain}{(lego.Shuffled ? "" : "-ordered")}" : skillCorpus.Graph.Name;
            var key = new DatasetKey(name, $"skills:{name}", tokenizer.Spec, context, perSkill, config.SkillValidationItems, DataSeed);
            var skillModel = config.SkillModelOrDefault with { VocabSize = tokenizer.VocabSize };
            if (config.SkillGraphSteps > 0) measured = MeasureSkillGraph(config, skillModel, runner, skills, tokenizer, key, cancellation);
            foreach (var arm in config.SkillArms)
                foreach (var seed in config.Seeds)
                    runs.Add(Skills(config, skillModel, runner, skills, tokenizer, key, arm, seed, measured, cancellation));
        }

        if (config.ReweightingArms.Count > 0 && datasets.Count > 0)
        {
            var data = datasets[0];
            var key = new DatasetKey(data.Name, data.Source, tokenizer.Spec, context, trainSequences, config.ValidationSequences, DataSeed);
            foreach (var arm in config.ReweightingArms)
                foreach (var seed in config.Seeds)
                    runs.Add(Reweighting(config, model, runner, data, key, arm, seed, cancellation));
        }

        return new CurriculumResult(config, runs, agreement, CurriculumClaims.Verdict(runs), clock.Elapsed)
        {
            SkillNames = skillNames,
            MeasuredSkillGraph = measured is null ? null
                : Enumerable.Range(0, measured.GetLength(0)).Select(i => (IReadOnlyList<double>)Enumerable.Range(0, measured.GetLength(1)).Select(j => measured[i, j]).ToArray()).ToArray(),
        };
    }

    /// <summary>The skill corpus a config names: "lego" with its chain length, or a registered graph ("strops").</summary>
    public static SkillCorpus SkillCorpusOf(CurriculumConfig config) =>
        string.Equals(config.SkillGraph, "lego", StringComparison.OrdinalIgnoreCase) ? new LegoSkills(config.LegoChain, config.LegoShuffled) : SyntheticCorpora.Skills(config.SkillGraph);

    static TrainConfig Train(CurriculumConfig c, long seed, int steps, double? learningRate = null) =>
        c.TrainConfig(seed, steps, new WarmupCosine(learningRate ?? c.LearningRate, Math.Min(c.WarmupSteps, Math.Max(0, steps - 1)), steps, minLr: (learningRate ?? c.LearningRate) / 10)) with
    {
        EvalInterval = c.EvalInterval,
        LogInterval = Math.Max(1, steps / 100),
        KeepCheckpoints = 1,
    };

    static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    // Level, length and rarity from the data; a reference model's loss from a model trained briefly on the pool in random order.
    static (Dictionary<string, double[]> Scores, JobResult Reference) Difficulties(CurriculumConfig config, GptConfig model, JobRunner runner,
        OrderingDataset data, OrderingDataset pretrain, DatasetKey key, CancellationToken cancellation)
    {
        var scores = new Dictionary<string, double[]>();
        if (data.HasLevels) scores["level"] = new LevelDifficulty().Score(data.Train);
        scores["length"] = new LengthDifficulty().Score(data.Train);
        scores["rarity"] = new RarityDifficulty().Score(data.Train);

        const long referenceSeed = 1_000_003;
        var job = new TrainingJob
        {
            Experiment = Experiment,
            Name = $"{data.Name}/reference",
            Model = model,
            Train = Train(config, referenceSeed, config.ReferenceSteps) with { EvalInterval = 0, EvalAtStart = false },
            Data = new ArmData("base", key, CurriculumArms.Random, ""),
        };
        var result = runner.Run(job, () => new JobInputs(
            new CurriculumBatches(pretrain.Train, new RandomOrder(pretrain.Train.Count, referenceSeed), config.BatchSize),
            [new EvalSet(Validation, PoolTensors.Batches(data.Validation, config.BatchSize))]), cancellation);
        using (var reference = runner.LoadModel(result, model, device: config.Device))
            scores["reference-loss"] = new ModelLossDifficulty(reference, "reference-loss", config.BatchSize).Score(data.Train);
        return (scores, result);
    }

    static DifficultyAgreement Agreement(string dataset, IReadOnlyDictionary<string, double[]> scores)
    {
        var names = CurriculumArms.Measures.Where(scores.ContainsKey).ToList();
        var m = RankCorrelation.Matrix(names.Select(n => scores[n]).ToList());
        return new DifficultyAgreement(dataset, names,
            Enumerable.Range(0, names.Count).Select(i => (IReadOnlyList<double>)Enumerable.Range(0, names.Count).Select(j => m[i, j]).ToArray()).ToArray());
    }

    /// <summary>The name an ordering run's data set carries in the results: the budget is part of it, so claims compare within one budget.</summary>
    public static string BudgetName(string dataset, int budget) => budget == 1 ? dataset : $"{dataset} @{budget}x";

    static ArmRun Ordering(CurriculumConfig config, GptConfig model, JobRunner runner, OrderingDataset data, DatasetKey key, string arm,
        long seed, int budget, IReadOnlyDictionary<string, double[]> scores, JobResult reference, TextTokenizer tokenizer, CancellationToken cancellation)
    {
        int steps = config.Steps * budget;
        bool usesReference = CurriculumArms.UsesReference(arm);
        var parameters = arm.Split(':')[0] switch
        {
            "pacing" or "pacing-linear" => $"c0={F(config.PacingC0)}",
            CurriculumArms.TinyHelen => $"stages={config.TinyHelenStages}",
            _ => "",
        } + (CurriculumArms.Measure(arm) == CurriculumArms.OwnLoss ? $";stages={config.TinyHelenStages}" : "") + (data.AnswerItems.Count > 0 ? $";answers={data.AnswerItems.Count}" : "");
        var job = new TrainingJob
        {
            Experiment = Experiment,
            Name = $"{BudgetName(data.Name, budget)}/{arm}/seed{seed}",
            Model = model,
            Train = Train(config, seed, steps) with { EvalInterval = config.EvalInterval * budget },
            Data = new ArmData(CurriculumParts.Ordering, key, arm, parameters, usesReference || config.OrderingFromBase ? reference.ConfigHash : null),
            // Fine-tuning from the base: fresh optimizer, the arm's own schedule; the seed still varies the order's randomness.
            StartFrom = config.OrderingFromBase ? runner.StartFrom(reference, ContinueMode.WeightsOnly) : null,
        };
        var result = runner.Run(job, () =>
        {
            Gpt? current = null;
            // TinyHelen: the first portion by the reference model's loss, later ones rescored with the model being trained.
            double[] OwnLoss(IReadOnlyList<int> indices) => current is null || indices.Count == data.Train.Count
                ? indices.Select(i => scores["reference-loss"][i]).ToArray()
                : ModelLossDifficulty.Losses(current, data.Train, indices, config.BatchSize);
            double[] ModelLoss(IReadOnlyList<int> indices) => ModelLossDifficulty.Losses(current!, data.Train, indices, config.BatchSize);
            var order = CurriculumArms.Ordering(arm, data.Train, scores, steps, seed, config.PacingC0, config.TinyHelenStages, OwnLoss, ModelLoss);
            return new JobInputs(new CurriculumBatches(data.Train, order, config.BatchSize),
                [new EvalSet(Validation, PoolTensors.Batches(data.Validation, config.BatchSize))])
            {
                OnModel = m => current = m,
                FinalMetrics = data.AnswerItems.Count == 0 ? null : m => ScoreAnswers(m, data.AnswerItems, tokenizer, config.BatchSize),
            };
        }, cancellation);
        return new ArmRun(CurriculumParts.Ordering, BudgetName(data.Name, budget), arm, seed, result.Eval(Validation), Cached: result.Replayed,
            Answers: result.Final.TryGetValue(AnswerAccuracy, out var acc) ? new AnswerScores(acc, result.Final[AnswerExact], result.Final[AnswerLoss]) : null);
    }

    const string AnswerAccuracy = "answers/token-accuracy", AnswerExact = "answers/exact-match", AnswerLoss = "answers/loss";

    // The held-out questions of a graded set, scored after the run: what claim 1 is judged on.
    static Dictionary<string, double> ScoreAnswers(Gpt model, IReadOnlyList<Document> items, TextTokenizer tokenizer, int batchSize)
    {
        var (loss, accuracy) = AnswerEvaluation.LossAndAccuracy(model, AnswerEvaluation.Batches(items, tokenizer, model.Config.ContextLength, batchSize));
        var exact = ExactMatch.Score(model, ExactAnswer.Items(items, tokenizer)).Accuracy;
        return new() { [AnswerAccuracy] = accuracy, [AnswerExact] = exact, [AnswerLoss] = loss };
    }

    /// <summary>
    /// Skill-it's graph from data: one run per skill, from the same initial weights (a fixed seed shared by all seeds),
    /// trained on that skill alone; A[i, j] is the relative drop of skill j's held-out answer loss, clamped at 0.
    /// </summary>
    static double[,] MeasureSkillGraph(CurriculumConfig config, GptConfig model, JobRunner runner, SkillDataset skills, TextTokenizer tokenizer,
        DatasetKey key, CancellationToken cancellation)
    {
        const long graphSeed = 2_000_003;
        int n = skills.Graph.Skills.Count;
        var before = new double[n];
        var after = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            var job = new TrainingJob
            {
                Experiment = Experiment,
                Name = $"{key.Name}/graph/{skills.Graph.Skills[i]}",
                Model = model,
                Train = Train(config, graphSeed, config.SkillGraphSteps, config.SkillLearningRate) with { EvalInterval = 0 },
                Data = new ArmData("skills-graph", key, CurriculumArms.TargetOnly, $"skill={i}"),
            };
            int only = i;
            var result = runner.Run(job, () =>
            {
                var order = new SkillItMixture(skills.Train.GroupIndices, SkillItMixture.Identity(n), 0, long.MaxValue, graphSeed,
                    initialWeights: Enumerable.Range(0, n).Select(k => k == only ? 1.0 : 0.0).ToArray(), name: $"only-{only}");
                return new JobInputs(new CurriculumBatches(skills.Train, order, config.BatchSize),
                    Enumerable.Range(0, n).Select(j => new EvalSet($"skill{j}", AnswerEvaluation.Batches(skills.HeldOutBySkill[j], tokenizer, model.ContextLength, config.BatchSize))).ToArray());
            }, cancellation);
            for (int j = 0; j < n; j++)
            {
                var curve = result.Eval($"skill{j}");
                before[j] = curve[0].Value; // the same initial weights in every run
                after[i, j] = curve[^1].Value;
            }
        }
        return SkillsGraphMatrix.Estimate(before, after);
    }

    static ArmRun Skills(CurriculumConfig config, GptConfig model, JobRunner runner, SkillDataset skills, TextTokenizer tokenizer,
        DatasetKey key, string arm, long seed, double[,]? measured, CancellationToken cancellation)
    {
        var graph = skills.Graph;
        var a = config.SkillItGraph == "measured" && measured is not null ? measured
            : SkillsGraphMatrix.FromPrerequisites(graph.Adjacency(includeSelf: false), edgeWeight: config.SkillItEdgeWeight);
        var topological = graph.TopologicalOrder.Select(graph.IndexOf).ToArray();
        var parameters = arm == CurriculumArms.SkillIt
            ? $"eta={F(config.SkillItEta)};round={config.SkillItRoundSteps};window={config.SkillItWindow?.ToString(CultureInfo.InvariantCulture) ?? "all"};graph={(config.SkillItGraph == "measured" ? $"measured:{config.SkillGraphSteps}" : "prerequisites")};edge={F(config.SkillItEdgeWeight)};normalise={config.SkillItNormaliseLosses}"
            : "";
        var job = new TrainingJob
        {
            Experiment = Experiment,
            Name = $"{key.Name}/{arm}/seed{seed}",
            Model = model,
            Train = Train(config, seed, config.SkillStepsOrDefault, config.SkillLearningRate),
            Data = new ArmData(CurriculumParts.Skills, key, arm, parameters),
        };
        var result = runner.Run(job, () =>
        {
            Gpt? current = null;
            var perSkill = skills.HeldOutBySkill.Select(d => AnswerEvaluation.Batches(d, tokenizer, model.ContextLength, config.BatchSize)).ToArray();
            double[] EvalLosses(long step) => perSkill.Select(b => AnswerEvaluation.Loss(current!, b)).ToArray();
            var order = CurriculumArms.Skills(arm, skills.Train, a, topological, config.SkillItEta, config.SkillItRoundSteps,
                config.SkillItWindow, seed, EvalLosses, config.SkillItNormaliseLosses, skills.TargetIndex);
            var items = ExactAnswer.Items(skills.HeldOutBySkill[skills.TargetIndex], tokenizer);
            return new JobInputs(new CurriculumBatches(skills.Train, order, config.BatchSize),
                [new EvalSet(Target, AnswerEvaluation.Batches(skills.HeldOutBySkill[skills.TargetIndex], tokenizer, model.ContextLength, config.BatchSize))])
            {
                OnModel = m => current = m,
                FinalMetrics = m =>
                {
                    var final = new Dictionary<string, double> { [Accuracy] = ExactMatch.Score(m, items).Accuracy };
                    if (order is SkillItMixture mix)
                        foreach (var (step, w) in mix.History)
                            for (int k = 0; k < w.Length; k++)
                                final[$"{MixturePrefix}{step.ToString("D9", CultureInfo.InvariantCulture)}/{k}"] = w[k];
                    return final;
                },
            };
        }, cancellation);
        return new ArmRun(CurriculumParts.Skills, key.Name, arm, seed, result.Eval(Target),
            result.Final.TryGetValue(Accuracy, out var acc) ? acc : null, Mixture(result), result.Replayed);
    }

    // Skill-it's weight history, stored among the final metrics as mixture/STEP/SKILL.
    static IReadOnlyList<MixturePoint>? Mixture(JobResult result)
    {
        var points = result.Final.Where(kv => kv.Key.StartsWith(MixturePrefix, StringComparison.Ordinal))
            .Select(kv => (Parts: kv.Key[MixturePrefix.Length..].Split('/'), kv.Value))
            .Select(x => (Step: long.Parse(x.Parts[0], CultureInfo.InvariantCulture), Skill: int.Parse(x.Parts[1], CultureInfo.InvariantCulture), x.Value))
            .GroupBy(x => x.Step).OrderBy(g => g.Key)
            .Select(g => new MixturePoint(g.Key, g.OrderBy(x => x.Skill).Select(x => x.Value).ToArray())).ToList();
        return points.Count > 0 ? points : null;
    }

    /// <summary>The reweighting arms' burn-in in steps: the configured fraction of the run, rounded.</summary>
    public static long BurnInSteps(CurriculumConfig config) => (long)Math.Round(config.ReweightBurnIn * config.Steps);

    static ArmRun Reweighting(CurriculumConfig config, GptConfig model, JobRunner runner, OrderingDataset data, DatasetKey key,
        string arm, long seed, CancellationToken cancellation)
    {
        var job = new TrainingJob
        {
            Experiment = Experiment,
            Name = $"{data.Name}/reweighting-{arm}/seed{seed}",
            Model = model,
            Train = Train(config, seed, config.Steps) with { LossWeighting = CurriculumArms.Weighting(arm, config.ReweightR, config.ReweightDelta, BurnInSteps(config)) },
            Data = new ArmData(CurriculumParts.Reweighting, key, arm, arm == CurriculumArms.Uniform ? "in-batch" : $"in-batch;r={F(config.ReweightR)};delta={F(config.ReweightDelta)};burnin={BurnInSteps(config)}"),
        };
        // Every arm sees the same random batches for a seed; only the objective's per-sample weights differ.
        var result = runner.Run(job, () => new JobInputs(
            new CurriculumBatches(data.Train, new RandomOrder(data.Train.Count, seed), config.BatchSize),
            [new EvalSet(Validation, PoolTensors.Batches(data.Validation, config.BatchSize))]), cancellation);
        return new ArmRun(CurriculumParts.Reweighting, data.Name, arm, seed, result.Eval(Validation), Cached: result.Replayed);
    }
}
