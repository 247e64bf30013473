using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl;

// Builds modules with torch's factories redirected to a device and dtype, so parameters are born
// where they will live: on meta, full-size SDXL costs a fraction of a second and no memory (for
// counting and key listings, torchsharp.md §3); on CPU in bf16 it skips an fp32 copy. The defaults
// are process-wide, hence the lock and the restore. Call outside any dispose scope.
public static class ModelBuilder
{
    public static readonly Device Meta = new(DeviceType.META);

    private static readonly Lock Gate = new();

    public static T OnMeta<T>(Func<T> build) => On(Meta, ScalarType.Float32, build);

    public static T On<T>(Device device, ScalarType dtype, Func<T> build)
    {
        lock (Gate)
        {
            var oldType = get_default_dtype();
            set_default_device(device);
            set_default_dtype(dtype);
            try { return build(); }
            finally
            {
                set_default_dtype(oldType);
                set_default_device(CPU);
            }
        }
    }
}
