namespace Workbooks.Training;

/// <summary>
/// An optimizer that holds the authoritative weights itself (fp32 masters of bf16 compute weights).
/// Checkpoints store these rather than the model's lower-precision copy, so a resumed run continues
/// exactly and the saved weights lose nothing.
/// </summary>
public interface IMasterWeights
{
    /// <summary>Writes the model's weights, at full precision, as safetensors.</summary>
    void SaveWeights(Stream stream);
}
