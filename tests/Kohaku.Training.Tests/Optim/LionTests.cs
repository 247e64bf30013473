using Kohaku.Training.Optim;
using static Kohaku.Training.Tests.Optim.OptimizerFixture;

namespace Kohaku.Training.Tests.Optim;

// Reference numbers from lion8bit.md §8 (exact decimal arithmetic).
public class LionTests
{
    [Fact]
    public void Step_SheetCaseA_TwoStepsWithDecoupledDecay()
    {
        var p = Param(1.0f);
        using var opt = new Lion(Group(0.1, p), 0.9, 0.99, 0.1);
        SetGrad(p, 0.5f);
        opt.Step();
        Assert.Equal(0.89f, p.item<float>(), 6);
        Assert.Equal(0.005f, State(opt), 6);
        SetGrad(p, -1.0f);
        opt.Step();
        Assert.Equal(0.9811f, p.item<float>(), 6);
        Assert.Equal(-0.00505f, State(opt), 6);
    }

    [Fact]
    public void Step_SheetCaseB_DecayIsDecoupledNotAddedToGradient()
    {
        var p = Param(1.0f);
        using var opt = new Lion(Group(0.1, p), 0.9, 0.99, 1.0);
        SetGrad(p, -0.05f);
        opt.Step();
        Assert.Equal(1.0f, p.item<float>(), 6);
        Assert.Equal(-0.0005f, State(opt), 6);
    }

    [Fact]
    public void Step_SheetCaseC_SignUsesBeta1AndOldMomentum()
    {
        var p = Param(0f);
        using var opt = new Lion(Group(1.0, p), 0.9, 0.99, 0);
        using (var m = TorchSharp.torch.tensor(new[] { 1.0f }))
            opt.LoadState(new Dictionary<string, TorchSharp.torch.Tensor> { ["unet.0.m"] = m });
        SetGrad(p, -10f);
        opt.Step();
        Assert.Equal(1.0f, p.item<float>(), 6);
        Assert.Equal(0.89f, State(opt), 5);
    }

    [Fact]
    public void Step_SheetCaseD_ZeroGradientLeavesParameter()
    {
        var p = Param(0.7f);
        using var opt = new Lion(Group(0.1, p), 0.9, 0.99, 0);
        SetGrad(p, 0f);
        opt.Step();
        Assert.Equal(0.7f, p.item<float>());
        Assert.Equal(0f, State(opt));
    }

    [Fact]
    public void Step_NaNInterpolation_MovesNothingLikeBitsandbytesSgn()
    {
        var p = Param(0.5f, 0.5f);
        using var opt = new Lion(Group(0.1, p), 0.9, 0.99, 0);
        SetGrad(p, float.NaN, 1f);
        opt.Step();
        Assert.Equal([0.5f, 0.4f], p.data<float>().ToArray());
    }

    [Fact]
    public void Step_NoGradient_LeavesParameterUndecayed()
    {
        var p = Param(1.0f);
        using var opt = new Lion(Group(0.1, p), 0.9, 0.99, 0.1);
        opt.Step();
        Assert.Equal(1.0f, p.item<float>());
    }

    [Fact]
    public void Constructor_Beta1OfOne_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Lion(Group(0.1, Param(1f)), 1.0, 0.99, 0));

    private static float State(Lion opt) => opt.StateTensors().Single().Value.item<float>();
}
