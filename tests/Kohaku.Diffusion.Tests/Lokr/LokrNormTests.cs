using Kohaku.Diffusion.Lokr;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Lokr;

public sealed class LokrNormTests
{
    [Fact]
    public void WeightDelta_AfterTraining_IsChangeSinceAttach()
    {
        var weight = new Parameter(ones(4));
        var bias = new Parameter(zeros(4));
        var norm = new LokrNorm("lora_unet_out_0", weight, bias);
        using (no_grad()) { weight.add_(0.5); bias.sub_(0.25); }
        Assert.True(allclose(norm.WeightDelta(), full(4, 0.5f)));
        Assert.True(allclose(norm.BiasDelta()!, full(4, -0.25f)));
    }

    [Fact]
    public void SetDeltas_ThenRestore_GoesBackToAttachValues()
    {
        var weight = new Parameter(full(3, 2f));
        var norm = new LokrNorm("n", weight, null);
        norm.SetDeltas(tensor(new[] { 1f, 2f, 3f }), null);
        Assert.True(allclose(weight, tensor(new[] { 3f, 4f, 5f })));
        norm.Restore();
        Assert.True(allclose(weight, full(3, 2f)));
        Assert.Single(norm.Parameters);
    }
}
