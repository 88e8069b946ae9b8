using Workbooks.Data.Tokenization;
using static TorchSharp.torch;

namespace Workbooks.Data;

/// <summary>
/// Supervised fine-tuning batches for exact-answer documents. Documents are joined as end-of-text,
/// document, end-of-text, document, ...; every row starts at a document boundary (so the first
/// document sits where a scored prompt sits: right after end-of-text at position 0) and runs on into
/// the next ones. Targets outside the completions (the answer and what follows the prompt) are
/// <see cref="BatchTensors.Ignore"/>, which cross-entropy skips: the loss, and what the model learns,
/// is the answers', not the random prompts'. The sampling, batching and state are
/// <see cref="RandomWindows"/>', restricted to document starts and scored targets.
/// </summary>
public sealed class AnswerWindows : IBatchSource
{
    readonly RandomWindows windows;

    public AnswerWindows(IReadOnlyList<Document> documents, TextTokenizer tokenizer, int batchSize, int contextLength, long seed)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
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
        // A row needs T + 1 tokens from its start.
        var starts = docStarts.Where(s => s + contextLength + 1 <= ids.Count).ToArray();
        if (starts.Length == 0)
            throw new ArgumentException($"{documents.Count} documents ({ids.Count} tokens) give no row of ContextLength + 1 = {contextLength + 1} tokens that starts at a document whose prompt fits in it.", nameof(documents));
        DocumentStarts = starts.Length;
        windows = new RandomWindows(ids.ToArray(), mask.ToArray(), starts, batchSize, contextLength, seed, "AnswerWindows/2");
    }

    public int BatchSize => windows.BatchSize;
    public int ContextLength => windows.ContextLength;
    public long Step => windows.Step;
    public int DocumentStarts { get; }

    public (Tensor Input, Tensor Target) Next() => windows.Next();

    public byte[] SaveState() => windows.SaveState();

    public void LoadState(byte[] state) => windows.LoadState(state);
}
