using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Unet;

// …transformer_blocks.{j}.attn{1,2} → to_q to_k to_v (no bias) to_out.0 (bias).
// Multi-head softmax attention, scale 1/√dim_head (SDPA's default). Self-attention when context is x.
public sealed class CrossAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly AdaptableLinear to_q, to_k, to_v;
    private readonly Sequential to_out;
    private readonly long heads;

    public CrossAttention(long queryDim, long contextDim, long heads, long dimHead, Device? device = null, ScalarType? dtype = null) : base(nameof(CrossAttention))
    {
        var inner = heads * dimHead;
        to_q = new AdaptableLinear(queryDim, inner, hasBias: false, device: device, dtype: dtype);
        to_k = new AdaptableLinear(contextDim, inner, hasBias: false, device: device, dtype: dtype);
        to_v = new AdaptableLinear(contextDim, inner, hasBias: false, device: device, dtype: dtype);
        to_out = nn.Sequential(new AdaptableLinear(inner, queryDim, device: device, dtype: dtype), nn.Dropout(0.0));
        this.heads = heads;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor context)
    {
        using var scope = NewDisposeScope();
        // [B, L, heads·d] → [B, heads, L, d]
        Tensor Split(Tensor t) => t.unflatten(2, [heads, t.shape[2] / heads]).transpose(1, 2);
        var q = Split(to_q.call(x));
        var k = Split(to_k.call(context));
        var v = Split(to_v.call(context));
        var o = nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).flatten(2);
        return to_out.call(o).MoveToOuterDisposeScope();
    }
}

// …transformer_blocks.{j}.ff.net.0.proj → value|gate halves; the first half is the value (sdxl-arch.md §3.4).
public sealed class GEGLU : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableLinear proj;

    public GEGLU(long dim, long inner, Device? device = null, ScalarType? dtype = null) : base(nameof(GEGLU))
    {
        proj = new AdaptableLinear(dim, inner * 2, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var halves = proj.call(x).chunk(2, -1);
        return (halves[0] * nn.functional.gelu(halves[1])).MoveToOuterDisposeScope();
    }
}

// …transformer_blocks.{j}.ff → net.0 (GEGLU, c→8c) net.2 (Linear 4c→c).
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    private readonly Sequential net;

    public FeedForward(long dim, Device? device = null, ScalarType? dtype = null) : base(nameof(FeedForward))
    {
        net = nn.Sequential(new GEGLU(dim, 4 * dim, device, dtype), nn.Dropout(0.0), new AdaptableLinear(4 * dim, dim, device: device, dtype: dtype));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => net.call(x);
}

// …transformer_blocks.{j} → norm1 attn1 norm2 attn2 norm3 ff (pre-LN, residual after each).
public sealed class BasicTransformerBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly CrossAttention attn1, attn2;
    private readonly FeedForward ff;
    private readonly LayerNorm norm1, norm2, norm3;

    public BasicTransformerBlock(long dim, long contextDim, long heads, long dimHead, Device? device = null, ScalarType? dtype = null) : base(nameof(BasicTransformerBlock))
    {
        attn1 = new CrossAttention(dim, dim, heads, dimHead, device, dtype);
        ff = new FeedForward(dim, device, dtype);
        attn2 = new CrossAttention(dim, contextDim, heads, dimHead, device, dtype);
        norm1 = nn.LayerNorm(dim, device: device, dtype: dtype);
        norm2 = nn.LayerNorm(dim, device: device, dtype: dtype);
        norm3 = nn.LayerNorm(dim, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor context)
    {
        using var scope = NewDisposeScope();
        var n1 = norm1.call(x);
        var h = attn1.call(n1, n1).Plus(x);
        h = attn2.call(norm2.call(h), context).Plus(h);
        h = ff.call(norm3.call(h)).Plus(h);
        return h.MoveToOuterDisposeScope();
    }
}

// model.diffusion_model.*_blocks.{i}.1 → norm proj_in transformer_blocks.{0..d-1} proj_out.
// Linear proj_in/out (use_linear_in_transformer): norm → [B, H·W, C] → proj_in → blocks → proj_out → back, + x.
public sealed class SpatialTransformer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly GroupNorm32 norm;
    private readonly AdaptableLinear proj_in, proj_out;
    private readonly ModuleList<BasicTransformerBlock> transformer_blocks;

    public SpatialTransformer(long channels, int depth, long headChannels, long contextDim, long groups, Device? device = null, ScalarType? dtype = null) : base(nameof(SpatialTransformer))
    {
        norm = new GroupNorm32(groups, channels, 1e-6, device, dtype);
        proj_in = new AdaptableLinear(channels, channels, device: device, dtype: dtype);
        var heads = channels / headChannels;
        transformer_blocks = nn.ModuleList(Enumerable.Range(0, depth).Select(_ => new BasicTransformerBlock(channels, contextDim, heads, headChannels, device, dtype)).ToArray());
        proj_out = new AdaptableLinear(channels, channels, device: device, dtype: dtype);
        RegisterComponents();
    }

    // Set by UNet.GradientCheckpointing: each transformer layer is recomputed in the backward.
    public bool GradientCheckpointing { get; set; }

    public override Tensor forward(Tensor x, Tensor context)
    {
        using var scope = NewDisposeScope();
        var (b, c, hgt, wid) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        // [B, C, H, W] → [B, H·W, C]
        var h = proj_in.call(norm.call(x).flatten(2).transpose(1, 2));
        foreach (var block in transformer_blocks) h = LayerCheckpoint.Call(GradientCheckpointing, block.call, h, context);
        h = proj_out.call(h).transpose(1, 2).reshape(b, c, hgt, wid);
        return h.Plus(x).MoveToOuterDisposeScope();
    }
}
