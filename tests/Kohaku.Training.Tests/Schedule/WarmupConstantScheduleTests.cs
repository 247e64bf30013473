using Kohaku.Training.Schedule;

namespace Kohaku.Training.Tests.Schedule;

public class WarmupConstantScheduleTests
{
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.01)]
    [InlineData(50, 0.5)]
    [InlineData(99, 0.99)]
    [InlineData(100, 1.0)]
    [InlineData(28638, 1.0)]
    public void Factor_Warmup100_IsLinearFromZeroThenConstant(long step, double expected) =>
        Assert.Equal(expected, new WarmupConstantSchedule(100).Factor(step), 12);

    [Fact]
    public void LearningRate_UnetAndTextEncoderGroups_ScaleTheirOwnBase()
    {
        var schedule = new WarmupConstantSchedule(100);
        Assert.Equal(1e-5, schedule.LearningRate(4e-5, 25), 15);
        Assert.Equal(2.5e-6, schedule.LearningRate(1e-5, 25), 15);
        Assert.Equal(0, schedule.LearningRate(4e-5, 0));
    }

    [Fact]
    public void Factor_NoWarmup_IsOneFromTheStart() => Assert.Equal(1.0, new WarmupConstantSchedule(0).Factor(0));
}
