using Kohaku.Diffusion.Sdxl;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl;

// Random tiny models for compute tests, built once per seed on CPU/F32.
internal static class TinyModels
{
    private static readonly Lazy<SdxlModels> Shared = new(() => Create(1234));

    public static SdxlModels Seed1234 => Shared.Value;

    public static SdxlModels Create(int seed)
    {
        lock (Shared)
        {
            manual_seed(seed);
            return SdxlModels.Create(SdxlConfig.Tiny);
        }
    }

    public static string TempFile(string name) =>
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"kohaku-sdxl-{Guid.NewGuid():N}-{name}");
}
