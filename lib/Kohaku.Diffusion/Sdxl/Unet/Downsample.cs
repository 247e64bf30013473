using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Unet;

// model.diffusion_model.input_blocks.{3,6}.0 → op: 3×3 conv, stride 2, symmetric pad 1
// (not the VAE's right/bottom-only padding).
public sealed class Downsample : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableConv2d op;

    public Downsample(long channels, Device? device = null, ScalarType? dtype = null) : base(nameof(Downsample))
    {
        op = new AdaptableConv2d(channels, channels, 3, stride: 2, padding: 1, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => op.call(x);
}
