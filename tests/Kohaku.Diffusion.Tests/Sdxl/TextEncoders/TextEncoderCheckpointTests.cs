using Kohaku.Diffusion.Sdxl.TextEncoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl.TextEncoders;

// Layer checkpointing of the text encoders recomputes each layer in the backward: every parameter's
// gradient must be the plain graph's, through both outputs SDXL reads (the penultimate context and, for
// TE2, the final hidden state behind the pooled vector).
public sealed class TextEncoderCheckpointTests
{
    [Fact]
    public void Clip_Checkpointing_SameGradientsAsPlainGraph()
    {
        manual_seed(31);
        using var te = new ClipTextModel(ClipTextConfig.Tiny);
        using var ids = randint(0, 1000, [2, 77]);
        AssertSameGradients(te, on => { te.GradientCheckpointing = on; return te.ContextHidden(ids).square().mean(); });
    }

    [Fact]
    public void OpenClip_Checkpointing_SameGradientsAsPlainGraph()
    {
        manual_seed(32);
        using var te = new OpenClipTextModel(OpenClipTextConfig.Tiny);
        using var ids = randint(0, 1000, [2, 77]);
        AssertSameGradients(te, on =>
        {
            te.GradientCheckpointing = on;
            var (context, final) = te.Encode(ids);
            return context.square().mean() + final.narrow(1, 5, 1).matmul(te.TextProjection).sum();
        });
    }

    private static void AssertSameGradients(nn.Module model, Func<bool, Tensor> loss)
    {
        Dictionary<string, Tensor> Grads(bool on)
        {
            model.zero_grad();
            using var scope = NewDisposeScope();
            loss(on).backward();
            return model.named_parameters().Where(p => p.parameter.grad is not null)
                .ToDictionary(p => p.name, p => p.parameter.grad!.clone().DetachFromDisposeScope());
        }
        var plain = Grads(false);
        var checkpointed = Grads(true);
        Assert.True(model switch { ClipTextModel c => c.GradientCheckpointing, OpenClipTextModel o => o.GradientCheckpointing, _ => false });
        Assert.True(plain.Count > 10);
        Assert.Equal(plain.Keys.Order(), checkpointed.Keys.Order());
        // Float32 rounding of a different summation order (the context's gradient and the next layer's
        // meet in another place): within a few ulps of each tensor's largest gradient.
        Assert.All(plain, kv =>
        {
            var (diff, scale) = ((kv.Value - checkpointed[kv.Key]).abs().max().item<float>(), kv.Value.abs().max().item<float>());
            Assert.True(diff <= 1e-6 * scale, $"{kv.Key}: {diff} of {scale}");
        });
    }
}
