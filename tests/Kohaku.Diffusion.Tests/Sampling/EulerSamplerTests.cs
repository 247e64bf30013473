using Kohaku.Diffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sampling;

public sealed class EulerSamplerTests
{
    private static readonly double[] Sigmas = [14.6, 7.0, 3.0, 1.0, 0.3, 0.0];

    [Fact]
    public void Sample_ConstantDenoiser_EndsAtItsEstimate()
    {
        using var scope = NewDisposeScope();
        var target = tensor(new[] { 0.5f, -1f, 2f });
        var x = new EulerSampler().Sample((_, _) => target.clone(), randn(3) * 14.6f, Sigmas);
        Assert.True(allclose(x, target, atol: 1e-5));
    }

    [Fact]
    public void Sample_OneStep_MovesAlongTheOdeDirection()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 10f });
        // D = 0.5·x: d = (x − D)/σ = 5/10; x' = 10 + 0.5·(4 − 10) = 7.
        var y = new EulerSampler().Sample((v, _) => v * 0.5f, x, [10.0, 4.0]);
        Assert.Equal(7f, y.item<float>(), 5);
    }

    [Fact]
    public void Sample_Callback_SeesEveryStep()
    {
        using var scope = NewDisposeScope();
        var seen = new List<double>();
        new EulerSampler().Sample((v, _) => v * 0.5f, ones(2), Sigmas, step => seen.Add(step.Sigma));
        Assert.Equal(Sigmas[..^1], seen);
    }
}
