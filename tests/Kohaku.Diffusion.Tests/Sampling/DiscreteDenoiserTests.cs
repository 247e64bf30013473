using Kohaku.Diffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sampling;

public sealed class DiscreteDenoiserTests
{
    [Fact]
    public void Wrap_ScalesInputPicksTimestepAndReturnsXMinusSigmaEps()
    {
        var schedule = NoiseSchedule.ScaledLinear();
        Tensor? seenX = null;
        long seenT = -1;
        var denoiser = DiscreteDenoiser.Wrap((x, t) =>
        {
            seenX = x.clone().DetachFromDisposeScope();
            seenT = t[0].item<long>();
            return full_like(x, 0.25f);
        }, schedule);
        var sigma = schedule.Sigma(500);
        using var scope = NewDisposeScope();
        var input = full(2, 3, 2f);
        var d = denoiser(input, sigma);
        Assert.Equal(500, seenT);
        Assert.True(allclose(seenX!, full(2, 3, (float)(2 / Math.Sqrt(sigma * sigma + 1)))));
        Assert.True(allclose(d, full(2, 3, (float)(2 - 0.25 * sigma))));
        seenX!.Dispose();
    }

    [Fact]
    public void NearestTimestep_BetweenTwoSigmas_PicksCloserInLogSpace()
    {
        var schedule = NoiseSchedule.ScaledLinear();
        var logs = Enumerable.Range(0, 1000).Select(t => Math.Log(schedule.Sigma(t))).ToArray();
        Assert.Equal(0, DiscreteDenoiser.NearestTimestep(logs, 1e-6));
        Assert.Equal(999, DiscreteDenoiser.NearestTimestep(logs, 1e6));
        Assert.Equal(300, DiscreteDenoiser.NearestTimestep(logs, schedule.Sigma(300) * 1.0001));
    }
}
