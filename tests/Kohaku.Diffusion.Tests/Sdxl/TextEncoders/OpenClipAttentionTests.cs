using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.Sdxl.TextEncoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl.TextEncoders;

public sealed class OpenClipAttentionTests
{
    private sealed class ConstantDelta(float value) : IWeightDelta
    {
        public int Calls { get; private set; }
        public long[]? SeenShape { get; private set; }

        public Tensor DeltaFor(Tensor weight)
        {
            Calls++;
            SeenShape = weight.shape;
            return full_like(weight, value);
        }
    }

    [Fact]
    public void EffectiveInProjWeight_QkvDeltas_StackedInQkvOrder()
    {
        using var attn = new OpenClipAttention(8, 2);
        var q = new ConstantDelta(1f);
        var k = new ConstantDelta(2f);
        var v = new ConstantDelta(3f);
        attn.QDelta = q;
        attn.KDelta = k;
        attn.VDelta = v;
        using var scope = NewDisposeScope();
        var diff = attn.EffectiveInProjWeight() - attn.InProjWeight;
        Assert.Equal(new long[] { 8, 8 }, q.SeenShape);
        Assert.True(allclose(diff[..8], full(8, 8, 1f)));
        Assert.True(allclose(diff[8..16], full(8, 8, 2f)));
        Assert.True(allclose(diff[16..], full(8, 8, 3f)));
    }

    [Fact]
    public void EffectiveInProjWeight_OnlyKDelta_LeavesQAndVThirds()
    {
        using var attn = new OpenClipAttention(8, 2);
        attn.KDelta = new ConstantDelta(0.5f);
        using var scope = NewDisposeScope();
        var diff = attn.EffectiveInProjWeight() - attn.InProjWeight;
        Assert.Equal(0f, diff[..8].abs().max().item<float>());
        Assert.True(allclose(diff[8..16], full(8, 8, 0.5f)));
        Assert.Equal(0f, diff[16..].abs().max().item<float>());
    }

    [Fact]
    public void Forward_WithVDelta_ChangesOutputAndStateDictKeepsKeys()
    {
        manual_seed(11);
        using var attn = new OpenClipAttention(8, 2);
        using var scope = NewDisposeScope();
        var x = randn(1, 5, 8);
        var before = attn.call(x);
        attn.VDelta = new ConstantDelta(0.1f);
        var after = attn.call(x);
        Assert.False(allclose(before, after));
        Assert.Equal(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"], attn.state_dict().Keys.ToArray());
    }

    [Fact]
    public void Forward_PackedRowsAreQKVAndMaskIsCausal()
    {
        manual_seed(12);
        using var attn = new OpenClipAttention(4, 1);
        using var scope = NewDisposeScope();
        using (no_grad()) attn.InProjBias.copy_(randn(12));
        var x = randn(1, 3, 4);
        var qkv = x.matmul(attn.InProjWeight.t()) + attn.InProjBias;
        var (q, k, v) = (qkv[.., .., ..4], qkv[.., .., 4..8], qkv[.., .., 8..]);
        var mask = full(3, 3, float.NegativeInfinity).triu(1);   // −inf above the diagonal (OpenCLIP's causal mask)
        var scores = q.matmul(k.transpose(1, 2)) / 2f + mask;
        var sd = attn.state_dict();
        var expected = scores.softmax(-1).matmul(v).matmul(sd["out_proj.weight"].t()) + sd["out_proj.bias"];
        Assert.True(allclose(attn.call(x), expected, atol: 1e-5));
    }
}
