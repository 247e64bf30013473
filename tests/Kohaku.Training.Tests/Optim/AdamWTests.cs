using Kohaku.Training.Optim;
using TorchSharp;
using static Kohaku.Training.Tests.Optim.OptimizerFixture;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Optim;

public class AdamWTests
{
    [Fact]
    public void Step_FiveSteps_MatchesTorchAdamW()
    {
        var gen = new Generator(3);
        using var init = randn([64], generator: gen);
        var grads = Enumerable.Range(0, 5).Select(_ => randn([64], generator: gen)).ToList();
        var mine = Param(init);
        var theirs = Param(init);
        using var opt = new AdamW(Group(1e-2, mine), 0.9, 0.95, 0.1);
        var reference = optim.AdamW([theirs], lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1);
        foreach (var g in grads)
        {
            SetGrad(mine, g);
            SetGrad(theirs, g);
            opt.Step();
            reference.step();
        }
        Assert.True(mine.allclose(theirs, rtol: 1e-6, atol: 1e-7), $"max diff {(mine - theirs).abs().max().item<float>()}");
    }

    [Fact]
    public void StateBytes_Fp32Moments_EightBytesPerParameterPlusStepCounter()
    {
        using var opt = new AdamW(Group(1e-3, Param(zeros(1000))), 0.9, 0.999, 0);
        Assert.Equal(8 * 1000 + 8, opt.StateBytes);
    }
}
