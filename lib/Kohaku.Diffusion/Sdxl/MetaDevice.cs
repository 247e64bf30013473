using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl;

// Builds modules with every factory redirected to the meta device: full-size SDXL in a fraction of a
// second and no memory, for counting parameters and listing key shapes (torchsharp.md §3).
public static class MetaDevice
{
    public static readonly Device Meta = new(DeviceType.META);

    private static readonly Lock Gate = new();

    public static T Build<T>(Func<T> build)
    {
        lock (Gate)
        {
            set_default_device(Meta);
            try { return build(); }
            finally { set_default_device(CPU); }
        }
    }
}
