using Kohaku.Diffusion.Sampling;

namespace Kohaku.Diffusion.Tests.Sampling;

public sealed class NoiseScheduleTests
{
    [Fact]
    public void ScaledLinear_Defaults_BetasSpanTheSdxlRange()
    {
        var s = NoiseSchedule.ScaledLinear();
        Assert.Equal(1000, s.Steps);
        Assert.Equal(0.00085, s.Betas[0], 12);
        Assert.Equal(0.012, s.Betas[999], 12);
    }

    [Fact]
    public void AlphasCumprod_FirstStep_IsOneMinusBeta()
    {
        var s = NoiseSchedule.ScaledLinear();
        Assert.Equal(1 - 0.00085, s.AlphasCumprod[0], 12);
        Assert.True(s.AlphasCumprod.Zip(s.AlphasCumprod.Skip(1)).All(p => p.Second < p.First));
    }

    [Fact]
    public void Snr_LastStep_MatchesClosedForm()
    {
        var s = NoiseSchedule.ScaledLinear();
        var a = s.AlphasCumprod[999];
        Assert.Equal(a / (1 - a), s.Snr(999), 12);
        Assert.Equal(Math.Sqrt((1 - a) / a), s.Sigma(999), 12);
        // The widely quoted SDXL value: ᾱ_999 ≈ 0.00466, so σ_max ≈ 14.6.
        Assert.InRange(s.Sigma(999), 14.5, 14.7);
    }
}
