using Kohaku.Training.Precision;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Precision;

public class DynamicLossScalerTests
{
    [Fact]
    public void Update_Overflow_HalvesScaleCountsSkipAndResetsGrowth()
    {
        var scaler = new DynamicLossScaler(true, growthInterval: 3);
        scaler.Update(false);
        scaler.Update(false);
        scaler.Update(true);
        Assert.Equal(32768, scaler.Scale);
        Assert.Equal(0, scaler.GrowthTracker);
        Assert.Equal(1, scaler.SkippedSteps);
    }

    [Fact]
    public void Update_GrowthIntervalCleanSteps_DoublesScale()
    {
        var scaler = new DynamicLossScaler(true, growthInterval: 3);
        for (var i = 0; i < 2; i++) scaler.Update(false);
        Assert.Equal(65536, scaler.Scale);
        scaler.Update(false);
        Assert.Equal(131072, scaler.Scale);
        Assert.Equal(0, scaler.GrowthTracker);
    }

    [Fact]
    public void Defaults_MatchTorchGradScaler()
    {
        var scaler = new DynamicLossScaler(true);
        Assert.Equal((65536.0, 2.0, 0.5, 2000), (scaler.Scale, scaler.GrowthFactor, scaler.BackoffFactor, scaler.GrowthInterval));
    }

    [Fact]
    public void UnscaleAndCheck_FiniteGrads_DividesByScale()
    {
        var scaler = new DynamicLossScaler(true, initialScale: 4);
        var p = new Parameter(zeros(3));
        using (no_grad()) p.grad = tensor(new[] { 4f, 8f, -12f });
        Assert.False(scaler.UnscaleAndCheck([p]));
        Assert.Equal([1f, 2f, -3f], p.grad!.data<float>().ToArray());
    }

    [Fact]
    public void UnscaleAndCheck_InjectedInfinity_ReportsOverflow()
    {
        var scaler = new DynamicLossScaler(true);
        var a = new Parameter(zeros(2));
        var b = new Parameter(zeros(2));
        using (no_grad())
        {
            a.grad = ones(2);
            b.grad = tensor(new[] { 1f, float.PositiveInfinity });
        }
        Assert.True(scaler.UnscaleAndCheck([a, b]));
    }

    [Fact]
    public void Disabled_NaNGrad_SkipsWithoutChangingScale()
    {
        var scaler = new DynamicLossScaler(false);
        var p = new Parameter(zeros(1));
        using (no_grad()) p.grad = tensor(new[] { float.NaN });
        var found = scaler.UnscaleAndCheck([p]);
        scaler.Update(found);
        Assert.True(found);
        Assert.Equal(1.0, scaler.Scale);
        Assert.Equal(1, scaler.SkippedSteps);
    }

    [Fact]
    public void Restore_SavedState_ContinuesGrowthCount()
    {
        var a = new DynamicLossScaler(true, growthInterval: 2);
        a.Update(true);
        a.Update(false);
        var b = new DynamicLossScaler(true, growthInterval: 2);
        b.Restore(a.Save());
        b.Update(false);
        Assert.Equal(65536, b.Scale);
        Assert.Equal(1, b.SkippedSteps);
    }
}
