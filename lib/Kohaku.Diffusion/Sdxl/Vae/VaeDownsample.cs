using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Vae;

// first_stage_model.encoder.down.{i}.downsample → conv: zero-pad right and bottom by one, then a
// 3×3 stride-2 conv with no padding (asymmetric, unlike the UNet's Downsample).
public sealed class VaeDownsample : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableConv2d conv;

    public VaeDownsample(long channels, Device? device = null, ScalarType? dtype = null) : base(nameof(VaeDownsample))
    {
        conv = new AdaptableConv2d(channels, channels, 3, stride: 2, padding: 0, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var padded = nn.functional.pad(x, [0, 1, 0, 1]);
        return conv.call(padded);
    }
}
