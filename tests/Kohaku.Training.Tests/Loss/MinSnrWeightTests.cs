using Kohaku.Diffusion.Sampling;
using Kohaku.Training.Loss;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Loss;

public class MinSnrWeightTests
{
    private static readonly MinSnrWeight Gamma5 = new(NoiseSchedule.ScaledLinear(), 5);

    [Theory]
    [InlineData(0, 0.00425)]
    [InlineData(10, 0.048)]
    [InlineData(50, 0.254)]
    [InlineData(100, 0.591)]
    public void At_SheetTimesteps_MatchesKohyaWeights(int t, double expected) =>
        Assert.Equal(expected, Gamma5.At(t), 3);

    [Fact]
    public void At_Gamma5_IsOneFromTimestep147On()
    {
        Assert.True(Gamma5.At(146) < 1);
        for (var t = 147; t < 1000; t++) Assert.Equal(1.0, Gamma5.At(t));
    }

    [Fact]
    public void For_TimestepTensor_GathersTableValues()
    {
        using var t = tensor(new long[] { 0, 100, 500 });
        using var w = Gamma5.For(t);
        var values = w.data<float>().ToArray();
        Assert.Equal([(float)Gamma5.At(0), (float)Gamma5.At(100), 1f], values);
    }

    [Fact]
    public void Constructor_NonPositiveGamma_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinSnrWeight(NoiseSchedule.ScaledLinear(), 0));
}
