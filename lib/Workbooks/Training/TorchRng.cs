using TorchSharp;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>
/// The CPU generator's state as bytes, for checkpoints. TorchSharp exposes no way to read the CUDA
/// generators' state, so on CUDA the trainer reseeds them from (seed, step) before every step instead,
/// which makes them a function of the step and resume-exact without being stored.
/// </summary>
internal static class TorchRng
{
    public static byte[] Capture()
    {
        using var state = torch.random.get_rng_state();
        return state.bytes.ToArray();
    }

    public static void Restore(byte[] state)
    {
        using var t = torch.tensor(state, dtype: ScalarType.Byte);
        torch.random.set_rng_state(t);
    }
}
