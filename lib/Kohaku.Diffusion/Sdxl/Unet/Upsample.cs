using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Unet;

// model.diffusion_model.output_blocks.{2,5}.2 → conv: nearest ×2, then 3×3 conv pad 1.
public sealed class Upsample : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableConv2d conv;

    public Upsample(long channels, Device? device = null, ScalarType? dtype = null) : base(nameof(Upsample))
    {
        conv = new AdaptableConv2d(channels, channels, 3, padding: 1, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var up = nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        return conv.call(up);
    }
}
