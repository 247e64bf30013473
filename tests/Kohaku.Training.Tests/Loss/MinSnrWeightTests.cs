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

    // research-trainer.md §3 table, "min-SNR v (kohya)": min(SNR, γ)/(SNR + 1), values from Python float64.
    [Theory]
    [InlineData(0, 0.004250000000000087)]
    [InlineData(1, 0.00851986080774303)]
    [InlineData(499, 0.27766965045646774)]
    [InlineData(998, 0.004716698899875751)]
    [InlineData(999, 0.00466009851307724)]
    public void At_VPrediction_MatchesKohyaVWeights(int t, double expected) =>
        Assert.Equal(expected, new MinSnrWeight(NoiseSchedule.ScaledLinear(), 5, Prediction.V).At(t), expected * 1e-6);

    // Below γ the v weight is ᾱ itself.
    [Fact]
    public void At_VPredictionBelowGamma_IsAlphaCumprod()
    {
        var schedule = NoiseSchedule.ScaledLinear();
        var v = new MinSnrWeight(schedule, 5, Prediction.V);
        for (var t = 147; t < 1000; t++) Assert.Equal(schedule.AlphasCumprod[t], v.At(t), 1e-7);
    }

    [Fact]
    public void Constructor_NonPositiveGamma_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinSnrWeight(NoiseSchedule.ScaledLinear(), 0));
}
