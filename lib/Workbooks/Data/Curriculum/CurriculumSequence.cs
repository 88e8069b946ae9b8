namespace Workbooks.Data.Curriculum;

/// <summary>
/// One training sequence of a curriculum: ContextLength + 1 token ids (input and shifted target), with what
/// is known about the documents it was cut from. Curricula order and weight these, not raw documents, so
/// that the per-sample losses the trainer reports map one to one onto them.
/// </summary>
/// <param name="Tokens">ContextLength + 1 token ids.</param>
/// <param name="Group">The skill or domain of its documents ("" when the source has none).</param>
/// <param name="Level">The mean ground-truth difficulty of its documents, where the source knows it.</param>
/// <param name="SourceLength">The mean length, in tokens, of the documents it overlaps.</param>
/// <param name="Scored">
/// Which of the ContextLength targets count toward the loss (an item's answer); null: all of them (packed text).
/// </param>
public sealed record CurriculumSequence(int[] Tokens, string Group, double? Level, double SourceLength, bool[]? Scored = null);
