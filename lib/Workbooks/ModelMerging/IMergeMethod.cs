using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// One merge method: how a tensor of the merged model follows from the base's and the models'.
/// The merger hands it tensors in the working dtype (float32; float64 for F64 inputs) and casts the
/// result back to the inputs' dtype. The models are scratch copies the method may overwrite, and the
/// result may be one of them (merging in place keeps memory near the inputs' own size).
/// </summary>
public interface IMergeMethod
{
    string Name { get; }

    /// <summary>Rejects options that do not fit the method (a density it cannot use, a missing one, ...).</summary>
    void Validate(MergeOptions options, int models);

    /// <param name="seed">This tensor's seed, derived from (options.Seed, name): random methods draw from it alone.</param>
    Tensor MergeTensor(string name, Tensor @base, IReadOnlyList<Tensor> models, MergeOptions options, long seed);
}
