namespace Workbooks.Data.Curriculum;

/// <summary>A document already turned into token ids, with its skill/domain and ground-truth level if any.</summary>
public sealed record TokenizedDocument(int[] Tokens, string? Group = null, double? Level = null);
