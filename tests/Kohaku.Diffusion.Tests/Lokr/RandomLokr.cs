using Kohaku.Diffusion.Lokr;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Lokr;

// A LoKr module with every factor drawn from N(0, 1): a fresh one has ΔW = 0 (w2 starts at zero),
// which would hide mistakes in the factor algebra.
internal static class RandomLokr
{
    public static LokrModule Module(LokrShape shape, int seed)
    {
        var module = new LokrModule("m", shape);
        var gen = new Generator((ulong)seed);
        using (no_grad())
            foreach (var (_, p) in module.Factors) p.copy_(randn(p.shape, generator: gen));
        return module;
    }
}
