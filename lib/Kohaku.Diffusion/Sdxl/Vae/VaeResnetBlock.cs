using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Vae;

// first_stage_model.{encoder,decoder}.…block.{j} / mid.block_{1,2} → norm1 conv1 norm2 conv2 [nin_shortcut]
// No time embedding; swish; GroupNorm eps 1e-6.
public sealed class VaeResnetBlock : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm32 norm1, norm2;
    private readonly AdaptableConv2d conv1, conv2;
    private readonly AdaptableConv2d? nin_shortcut;

    public VaeResnetBlock(long inChannels, long outChannels, long groups, Device? device = null, ScalarType? dtype = null) : base(nameof(VaeResnetBlock))
    {
        norm1 = new GroupNorm32(groups, inChannels, 1e-6, device, dtype);
        conv1 = new AdaptableConv2d(inChannels, outChannels, 3, padding: 1, device: device, dtype: dtype);
        norm2 = new GroupNorm32(groups, outChannels, 1e-6, device, dtype);
        conv2 = new AdaptableConv2d(outChannels, outChannels, 3, padding: 1, device: device, dtype: dtype);
        if (inChannels != outChannels) nin_shortcut = new AdaptableConv2d(inChannels, outChannels, 1, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv1.call(nn.functional.silu(norm1.call(x)));
        h = conv2.call(nn.functional.silu(norm2.call(h)));
        var skip = nin_shortcut is null ? x : nin_shortcut.call(x);
        return skip.Plus(h).MoveToOuterDisposeScope();
    }
}
