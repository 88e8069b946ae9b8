namespace Workbooks.Data.Curriculum;

/// <summary>
/// The fixed-length sequences a curriculum orders, with their groups (skills or domains) indexed in order of
/// first appearance. Built by packing documents so that a sequence never mixes groups, nor levels when asked.
/// </summary>
public sealed class SequencePool
{
    readonly CurriculumSequence[] sequences;
    readonly int[] groupOf;

    public int ContextLength { get; }
    public IReadOnlyList<CurriculumSequence> Sequences => sequences;
    public IReadOnlyList<string> GroupNames { get; }
    public int Count => sequences.Length;

    public SequencePool(IEnumerable<CurriculumSequence> sequences, int contextLength)
    {
        if (contextLength <= 0) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "must be positive");
        ContextLength = contextLength;
        this.sequences = sequences.ToArray();
        if (this.sequences.Length == 0) throw new ArgumentException("a sequence pool needs at least one sequence", nameof(sequences));
        for (int i = 0; i < this.sequences.Length; i++)
            if (this.sequences[i].Tokens.Length != contextLength + 1)
                throw new ArgumentException($"sequence {i} has {this.sequences[i].Tokens.Length} tokens; every sequence needs ContextLength + 1 = {contextLength + 1}", nameof(sequences));
        var names = new List<string>();
        var index = new Dictionary<string, int>();
        groupOf = new int[this.sequences.Length];
        for (int i = 0; i < this.sequences.Length; i++)
        {
            var g = this.sequences[i].Group;
            if (!index.TryGetValue(g, out var k)) { k = names.Count; index[g] = k; names.Add(g); }
            groupOf[i] = k;
        }
        GroupNames = names;
    }

    public CurriculumSequence this[int i] => sequences[i];

    /// <summary>Index into <see cref="GroupNames"/> of sequence <paramref name="i"/>.</summary>
    public int GroupOf(int i) => groupOf[i];

    /// <summary>Group index of every sequence.</summary>
    public IReadOnlyList<int> GroupIndices => groupOf;

    /// <summary>The indices of the sequences of each group, by group index.</summary>
    public int[][] MembersByGroup()
    {
        var members = GroupNames.Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < groupOf.Length; i++) members[groupOf[i]].Add(i);
        return members.Select(m => m.ToArray()).ToArray();
    }

    public int GroupIndex(string group)
    {
        for (int k = 0; k < GroupNames.Count; k++) if (GroupNames[k] == group) return k;
        throw new ArgumentException($"group '{group}' is not in this pool; groups are: {string.Join(", ", GroupNames)}", nameof(group));
    }

    /// <summary>A pool of the given sequences (in the given order).</summary>
    public SequencePool Subset(IEnumerable<int> indices) => new(indices.Select(i => sequences[i]), ContextLength);

    /// <summary>
    /// Packs documents into sequences of ContextLength + 1 tokens. Documents are concatenated per group
    /// (and per level when <paramref name="separateLevels"/>), each followed by <paramref name="separator"/> if
    /// given, and the stream is cut into consecutive non-overlapping windows; a group's last partial window is
    /// dropped. Groups keep their order of first appearance; within a group the documents keep theirs.
    /// </summary>
    public static SequencePool Pack(IEnumerable<TokenizedDocument> documents, int contextLength, int? separator = null, bool separateLevels = true)
    {
        if (contextLength <= 0) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "must be positive");
        var streams = new List<Stream>();
        var byKey = new Dictionary<(string, double?), Stream>();
        int seen = 0;
        foreach (var doc in documents)
        {
            seen++;
            var key = (doc.Group ?? "", separateLevels ? doc.Level : null);
            if (!byKey.TryGetValue(key, out var s)) { s = new Stream(key.Item1); byKey[key] = s; streams.Add(s); }
            s.Add(doc, separator);
        }
        if (seen == 0) throw new ArgumentException("no documents to pack", nameof(documents));
        var window = contextLength + 1;
        var sequences = streams.SelectMany(s => s.Cut(window)).ToList();
        if (sequences.Count == 0)
            throw new ArgumentException($"the {seen} documents hold too few tokens per group for one sequence of {window} tokens", nameof(documents));
        return new SequencePool(sequences, contextLength);
    }

    sealed class Stream(string group)
    {
        readonly List<int> tokens = [];
        // Per document: where it starts in the stream, its own length and level.
        readonly List<(int Start, int Length, double? Level)> docs = [];

        public void Add(TokenizedDocument doc, int? separator)
        {
            docs.Add((tokens.Count, doc.Tokens.Length, doc.Level));
            tokens.AddRange(doc.Tokens);
            if (separator is int sep) tokens.Add(sep);
        }

        public IEnumerable<CurriculumSequence> Cut(int window)
        {
            int d = 0;
            for (int start = 0; start + window <= tokens.Count; start += window)
            {
                int end = start + window;
                // Skip documents that ended before this window (the separator belongs to its document).
                while (d + 1 < docs.Count && docs[d + 1].Start <= start) d++;
                double lengthSum = 0, levelSum = 0;
                int count = 0, levelCount = 0;
                for (int k = d; k < docs.Count && docs[k].Start < end; k++)
                {
                    lengthSum += docs[k].Length;
                    count++;
                    if (docs[k].Level is double lv) { levelSum += lv; levelCount++; }
                }
                yield return new CurriculumSequence(tokens.GetRange(start, window).ToArray(), group,
                    levelCount > 0 ? levelSum / levelCount : null, lengthSum / count);
            }
        }
    }
}
