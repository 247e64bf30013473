using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl;

// The sinusoid SDXL uses for timesteps (dim 320) and for each size/crop scalar (dim 256):
// freq_i = exp(−ln(10000)·i/half), output [cos(x·f), sin(x·f)], cosine first (sdxl-arch.md §3.2, §3.6).
public static class SinusoidalEmbedding
{
    public const double MaxPeriod = 10000.0;

    // values: [N] (any numeric dtype) → [N, dim] float32.
    public static Tensor Embed(Tensor values, long dim)
    {
        if (dim % 2 != 0) throw new ArgumentException($"sinusoidal embedding needs an even width, got {dim}");
        using var scope = NewDisposeScope();
        var half = dim / 2;
        var freqs = exp(Scalars.Arange(half, ScalarType.Float32, values.device).Times((float)(-Math.Log(MaxPeriod) / half)));
        var args = values.to(ScalarType.Float32).unsqueeze(1) * freqs.unsqueeze(0);
        return cat([cos(args), sin(args)], 1).MoveToOuterDisposeScope();
    }
}
