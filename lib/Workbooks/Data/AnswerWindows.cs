using Workbooks.Data.Tokenization;
using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.Data;

/// <summary>
/// Supervised fine-tuning batches for exact-answer documents. Documents are joined as end-of-text,
/// document, end-of-text, document, ...; every row starts at a document boundary (so the first
/// document sits where a scored prompt sits: right after end-of-text at position 0) and runs on into
/// the next ones. Targets outside the completions (the answer and what follows the prompt) are
/// <see cref="Ignore"/>, which cross-entropy skips: the loss, and what the model learns, is the answers',
/// not the random prompts'. Seeded; the state (generator + step) resumes exactly.
/// </summary>
public sealed class AnswerWindows : IBatchSource
{
    /// <summary>Cross-entropy's default ignore index: targets equal to it do not count.</summary>
    public const long Ignore = -100;

    readonly int[] tokens;
    readonly bool[] scored;
    readonly int[] starts;
    SeededRandom random;

    public AnswerWindows(IReadOnlyList<Document> documents, TextTokenizer tokenizer, int batchSize, int contextLength, long seed)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be at least 1");
        if (contextLength < 1) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "must be at least 1");
        var eot = tokenizer.EndOfText ?? throw new ArgumentException($"The {tokenizer.Name} tokenizer has no end-of-text token to separate documents.", nameof(tokenizer));
        var ids = new List<int>();
        var mask = new List<bool>();
        var docStarts = new List<int>();
        for (var i = 0; i < documents.Count; i++)
        {
            var d = documents[i];
            if (string.IsNullOrEmpty(d.Prompt) || !d.Text.StartsWith(d.Prompt, StringComparison.Ordinal) || d.Text.Length == d.Prompt.Length)
                throw new ArgumentException($"Document {i} ({d.Domain}) is not an exact-answer document: its text must start with its prompt and go on past it.", nameof(documents));
            var prompt = tokenizer.Encode(d.Prompt);
            var completion = tokenizer.Encode(d.Text[d.Prompt.Length..]);
            // A row that starts here must reach the completion's first target, or it would score nothing.
            if (prompt.Length + 1 <= contextLength) docStarts.Add(ids.Count);
            ids.Add(eot);
            mask.Add(false);
            ids.AddRange(prompt);
            mask.AddRange(Enumerable.Repeat(false, prompt.Length));
            ids.AddRange(completion);
            mask.AddRange(Enumerable.Repeat(true, completion.Length));
        }
        tokens = ids.ToArray();
        scored = mask.ToArray();
        // A row needs T + 1 tokens from its start.
        starts = docStarts.Where(s => s + contextLength + 1 <= tokens.Length).ToArray();
        if (starts.Length == 0)
            throw new ArgumentException($"{documents.Count} documents ({tokens.Length} tokens) give no row of ContextLength + 1 = {contextLength + 1} tokens that starts at a document whose prompt fits in it.", nameof(documents));
        BatchSize = batchSize;
        ContextLength = contextLength;
        random = new SeededRandom(seed);
    }

    public int BatchSize { get; }
    public int ContextLength { get; }
    public long Step { get; private set; }
    public int DocumentStarts => starts.Length;

    public (Tensor Input, Tensor Target) Next()
    {
        var input = new long[BatchSize * ContextLength];
        var target = new long[BatchSize * ContextLength];
        for (var r = 0; r < BatchSize; r++)
        {
            var o = starts[random.NextInt(starts.Length)];
            for (var t = 0; t < ContextLength; t++)
            {
                input[r * ContextLength + t] = tokens[o + t];
                target[r * ContextLength + t] = scored[o + t + 1] ? tokens[o + t + 1] : Ignore;
            }
        }
        Step++;
        TorchRuntime.EnsureLoaded();
        return (tensor(input, [BatchSize, ContextLength]), tensor(target, [BatchSize, ContextLength]));
    }

    string Tag => $"AnswerWindows/1 n={tokens.Length} starts={starts.Length} B={BatchSize} T={ContextLength}";

    public byte[] SaveState() => SourceState.WriteStepAndRandom(Tag, Step, random);

    public void LoadState(byte[] state) => (Step, random) = SourceState.ReadStepAndRandom(state, Tag);
}
