using Kohaku.Diffusion.Sampling;

namespace Kohaku.Diffusion.Tests.Sampling;

public sealed class SigmaScheduleTests
{
    [Fact]
    public void Leading_30Steps_StridesOf33FromOffsetOne()
    {
        var s = SigmaSchedule.Leading(NoiseSchedule.ScaledLinear(), 30);
        Assert.Equal(30, s.Timesteps.Length);
        Assert.Equal(958, s.Timesteps[0]);
        Assert.Equal(34, s.Timesteps[^2]);
        Assert.Equal(1, s.Timesteps[^1]);
        Assert.Equal(31, s.Sigmas.Length);
        Assert.Equal(0.0, s.Sigmas[^1]);
    }

    [Fact]
    public void Leading_Sigmas_AreScheduleSigmasDescending()
    {
        var schedule = NoiseSchedule.ScaledLinear();
        var s = SigmaSchedule.Leading(schedule, 10);
        Assert.Equal(schedule.Sigma(901), s.Sigmas[0], 12);
        Assert.True(s.Sigmas.Zip(s.Sigmas.Skip(1)).All(p => p.Second < p.First));
        Assert.Equal(Math.Sqrt(s.Sigmas[0] * s.Sigmas[0] + 1), s.InitialScale, 12);
    }

    [Fact]
    public void Leading_ZeroSteps_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SigmaSchedule.Leading(NoiseSchedule.ScaledLinear(), 0));
    }
}
