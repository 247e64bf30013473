using Kohaku.Training.Precision;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Precision;

public class GradientClippingTests
{
    [Fact]
    public void ClipByGlobalNorm_NormAboveMax_ScalesAllGradsToMax()
    {
        var a = WithGrad(3f);
        var b = WithGrad(4f);
        var norm = GradientClipping.ClipByGlobalNorm([a, b], 1.0);
        Assert.Equal(5.0, norm, 5);
        Assert.Equal(0.6f, a.grad!.item<float>(), 5);
        Assert.Equal(0.8f, b.grad!.item<float>(), 5);
    }

    [Fact]
    public void ClipByGlobalNorm_NormBelowMax_LeavesGrads()
    {
        var a = WithGrad(0.3f);
        var norm = GradientClipping.ClipByGlobalNorm([a, new Parameter(zeros(1))], 1.0);
        Assert.Equal(0.3, norm, 5);
        Assert.Equal(0.3f, a.grad!.item<float>());
    }

    [Fact]
    public void ClipByGlobalNorm_InfiniteGrad_ReturnsInfinityAndLeavesOthers()
    {
        var a = WithGrad(2f);
        var b = WithGrad(float.PositiveInfinity);
        Assert.True(double.IsInfinity(GradientClipping.ClipByGlobalNorm([a, b], 1.0)));
        Assert.Equal(2f, a.grad!.item<float>());
    }

    private static Parameter WithGrad(float g)
    {
        var p = new Parameter(zeros(1));
        using (no_grad()) p.grad = tensor(new[] { g });
        return p;
    }
}
