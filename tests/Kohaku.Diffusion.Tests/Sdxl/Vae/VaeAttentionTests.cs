using Kohaku.Diffusion.Sdxl.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl.Vae;

public sealed class VaeAttentionTests
{
    [Fact]
    public void Forward_IsSingleHeadAttentionOverPixelsPlusResidual()
    {
        manual_seed(15);
        using var attn = new VaeAttention(8, 4);
        using var scope = NewDisposeScope();
        var x = randn(1, 8, 2, 3);
        var sd = attn.state_dict();
        var n = nn.functional.group_norm(x, 4, sd["norm.weight"], sd["norm.bias"], 1e-6);
        // [1, C, H, W] → [HW, C] tokens; 1×1 convs are per-pixel linears.
        Tensor Proj(string name, Tensor t) => t.matmul(sd[name + ".weight"].reshape(8, 8).t()) + sd[name + ".bias"];
        var tokens = n.reshape(8, 6).t();
        var q = Proj("q", tokens);
        var k = Proj("k", tokens);
        var v = Proj("v", tokens);
        var o = (q.matmul(k.t()) / (float)Math.Sqrt(8)).softmax(-1).matmul(v);
        var expected = x + Proj("proj_out", o).t().reshape(1, 8, 2, 3);
        Assert.True(allclose(attn.call(x), expected, atol: 1e-5));
    }
}
