using Kohaku.Diffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sampling;

public sealed class DdimSamplerTests
{
    private static readonly double[] Sigmas = [14.6, 7.0, 3.0, 1.0, 0.3, 0.0];

    // A nonlinear stand-in for a network, so agreement is not an accident of linearity.
    private static Tensor Model(Tensor x, double sigma) => tanh(x / (float)(1 + sigma)) * 0.8f;

    [Fact]
    public void Sample_Eta0_EqualsEulerOnTheSameLadder()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var x = randn(4) * 14.6f;
        var ddim = new DdimSampler().Sample(Model, x, Sigmas);
        var euler = new EulerSampler().Sample(Model, x, Sigmas);
        Assert.True(allclose(ddim, euler, atol: 1e-5));
    }

    [Fact]
    public void Sample_Eta1_SameGeneratorSeed_SameResultAndDiffersFromEta0()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var x = randn(4) * 14.6f;
        var a = new DdimSampler(1.0, new Generator(5)).Sample(Model, x, Sigmas);
        var b = new DdimSampler(1.0, new Generator(5)).Sample(Model, x, Sigmas);
        var deterministic = new DdimSampler().Sample(Model, x, Sigmas);
        Assert.True(a.Equals(b));
        Assert.False(allclose(a, deterministic));
    }

    [Fact]
    public void Sample_EtaWithoutGenerator_Throws()
    {
        using var x = zeros(1);
        Assert.Throws<ArgumentException>(() => new DdimSampler(0.5).Sample(Model, x, Sigmas));
    }
}
