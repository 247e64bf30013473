using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Vae;

// first_stage_model.{encoder,decoder}.mid.attn_1 → norm q k v proj_out (1×1 convs [C,C,1,1]):
// single-head softmax over the H·W positions, scale 1/√C, plus the residual.
public sealed class VaeAttention : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm32 norm;
    private readonly AdaptableConv2d q, k, v, proj_out;

    public VaeAttention(long channels, long groups, Device? device = null, ScalarType? dtype = null) : base(nameof(VaeAttention))
    {
        norm = new GroupNorm32(groups, channels, 1e-6, device, dtype);
        q = new AdaptableConv2d(channels, channels, 1, device: device, dtype: dtype);
        k = new AdaptableConv2d(channels, channels, 1, device: device, dtype: dtype);
        v = new AdaptableConv2d(channels, channels, 1, device: device, dtype: dtype);
        proj_out = new AdaptableConv2d(channels, channels, 1, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var n = norm.call(x);
        // [B, C, H, W] → [B, 1, H·W, C]
        Tensor Tokens(Tensor t) => t.flatten(2).transpose(1, 2).unsqueeze(1);
        var o = nn.functional.scaled_dot_product_attention(Tokens(q.call(n)), Tokens(k.call(n)), Tokens(v.call(n)));
        var back = o.squeeze(1).transpose(1, 2).reshape(b, c, h, w);
        return x.Plus(proj_out.call(back)).MoveToOuterDisposeScope();
    }
}
