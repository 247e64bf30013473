using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Unet;

// model.diffusion_model.*_blocks.{i}.0 → in_layers.{0,2} emb_layers.1 out_layers.{0,3} skip_connection
// norm → SiLU → conv, + Linear(emb) broadcast over H×W, norm → SiLU → dropout → conv, + skip(x).
public sealed class ResBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> in_layers, emb_layers, out_layers, skip_connection;

    public ResBlock(long inChannels, long outChannels, long embDim, long groups, Device? device = null, ScalarType? dtype = null) : base(nameof(ResBlock))
    {
        in_layers = nn.Sequential(new GroupNorm32(groups, inChannels, 1e-5, device, dtype), nn.SiLU(), new AdaptableConv2d(inChannels, outChannels, 3, padding: 1, device: device, dtype: dtype));
        emb_layers = nn.Sequential(nn.SiLU(), new AdaptableLinear(embDim, outChannels, device: device, dtype: dtype));
        out_layers = nn.Sequential(new GroupNorm32(groups, outChannels, 1e-5, device, dtype), nn.SiLU(), nn.Dropout(0.0), new AdaptableConv2d(outChannels, outChannels, 3, padding: 1, device: device, dtype: dtype));
        // The 1×1 skip conv exists only when the width changes (11 of the 17 SDXL ResBlocks).
        skip_connection = inChannels == outChannels ? nn.Identity() : new AdaptableConv2d(inChannels, outChannels, 1, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor emb)
    {
        using var h = in_layers.call(x);
        using var e = emb_layers.call(emb);
        using var sum = h.Plus(e.unsqueeze(-1).unsqueeze(-1));
        using var outH = out_layers.call(sum);
        using var skip = skip_connection.call(x);
        return skip.Plus(outH);
    }
}
