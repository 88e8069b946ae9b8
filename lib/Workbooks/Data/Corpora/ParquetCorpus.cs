using Parquet;
using Parquet.Schema;

namespace Workbooks.Data.Corpora;

/// <summary>
/// Parquet files (as Hugging Face datasets ship them): a string column of document text (default
/// "text") and, where present, string columns domain, skill, prompt, answer and an integer difficulty.
/// </summary>
public static class ParquetCorpus
{
    public static IReadOnlyList<Document> Load(string path, string textColumn = "text", string defaultDomain = "") =>
        // Task.Run keeps a caller's synchronization context (a notebook kernel's) out of the async reads.
        Task.Run(() => LoadAsync(path, textColumn, defaultDomain)).GetAwaiter().GetResult();

    public static async Task<IReadOnlyList<Document>> LoadAsync(string path, string textColumn = "text", string defaultDomain = "", CancellationToken ct = default)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus file not found: {path}", path);
        ParquetReader reader;
        try { reader = await ParquetReader.CreateAsync(path, cancellationToken: ct); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidDataException($"{path}: not a readable Parquet file: {e.Message}", e);
        }
        await using (reader)
        {
            var fields = reader.Schema.DataFields;
            var text = Find(fields, textColumn) ?? throw new InvalidDataException(
                $"{path}: no '{textColumn}' column; columns are {string.Join(", ", fields.Select(f => f.Path.ToString()))}.");
            if (text.IsArray || !IsString(text))
                throw new InvalidDataException($"{path}: column '{textColumn}' must hold one string per row, it holds {text.ClrType.Name}{(text.IsArray ? "[]" : "")}.");
            var domain = StringField(fields, "domain");
            var skill = StringField(fields, "skill");
            var prompt = StringField(fields, "prompt");
            var answer = StringField(fields, "answer");
            var difficulty = Find(fields, "difficulty") is { IsArray: false } d && (d.ClrType == typeof(int) || d.ClrType == typeof(long)) ? d : null;

            var docs = new List<Document>();
            var rowBase = 0L;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var n = checked((int)group.RowCount);
                var texts = await ReadStrings(group, text, n, ct);
                var domains = domain is null ? null : await ReadStrings(group, domain, n, ct);
                var skills = skill is null ? null : await ReadStrings(group, skill, n, ct);
                var prompts = prompt is null ? null : await ReadStrings(group, prompt, n, ct);
                var answers = answer is null ? null : await ReadStrings(group, answer, n, ct);
                var levels = difficulty is null ? null : await ReadInts(group, difficulty, n, ct);
                for (var i = 0; i < n; i++)
                {
                    var t = texts[i] ?? throw new InvalidDataException($"{path}: row {rowBase + i} has a null '{textColumn}'.");
                    docs.Add(new Document(t, domains?[i] ?? defaultDomain, levels?[i], skills?[i], answers?[i], prompts?[i]));
                }
                rowBase += n;
            }
            if (docs.Count == 0) throw new InvalidDataException($"{path}: no documents (the file has no rows).");
            return docs;
        }
    }

    static DataField? Find(IEnumerable<DataField> fields, string name) =>
        fields.FirstOrDefault(f => f.Path.ToString() == name) ?? fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    static DataField? StringField(IEnumerable<DataField> fields, string name) =>
        Find(fields, name) is { IsArray: false } f && IsString(f) ? f : null;

    // Parquet.Net 6 describes string columns as ReadOnlyMemory<char>; ReadAsync still reads them as strings.
    static bool IsString(DataField f) => f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>);

    static async Task<string?[]> ReadStrings(ParquetRowGroupReader group, DataField field, int n, CancellationToken ct)
    {
        var values = new string?[n];
        await group.ReadAsync(field, values.AsMemory()!, null, ct);
        return values;
    }

    static async Task<int?[]> ReadInts(ParquetRowGroupReader group, DataField field, int n, CancellationToken ct)
    {
        var result = new int?[n];
        if (field.ClrType == typeof(int))
        {
            if (field.IsNullable) await group.ReadAsync<int>(field, result.AsMemory(), null, ct);
            else
            {
                var v = new int[n];
                await group.ReadAsync<int>(field, v.AsMemory(), null, ct);
                for (var i = 0; i < n; i++) result[i] = v[i];
            }
            return result;
        }
        var longs = new long?[n];
        if (field.IsNullable) await group.ReadAsync<long>(field, longs.AsMemory(), null, ct);
        else
        {
            var v = new long[n];
            await group.ReadAsync<long>(field, v.AsMemory(), null, ct);
            for (var i = 0; i < n; i++) longs[i] = v[i];
        }
        for (var i = 0; i < n; i++) result[i] = longs[i] is { } l ? checked((int)l) : null;
        return result;
    }
}
