using Kohaku.Diffusion.Sampling;

namespace Kohaku.Diffusion.Tests.Sampling;

// Expected values: diffusers' rescale_zero_terminal_snr and timestep_spacing "trailing", written out
// in Python (torch float64, numpy 1.24) on the SDXL scaled-linear betas; research-trainer.md §3.
public sealed class ZeroTerminalSnrTests
{
    private static readonly NoiseSchedule Ztsnr = NoiseSchedule.ScaledLinear().WithZeroTerminalSnr();

    [Theory]
    [InlineData(0, 0.0008500000000000174, 0.99915)]
    [InlineData(1, 0.0009173335933720939, 0.9982334461401823)]
    [InlineData(2, 0.0009224193072715492, 0.9973126563362984)]
    [InlineData(139, 0.001757852034058316, 0.8322253397905753)]
    [InlineData(499, 0.005515778734596299, 0.24235916655614534)]
    [InlineData(500, 0.005530567784482576, 0.24101878275731586)]
    [InlineData(998, 0.7511370041765087, 1.9678880566211582e-07)]
    public void WithZeroTerminalSnr_Timesteps_MatchDiffusersRescale(int t, double beta, double alphaCumprod)
    {
        Assert.Equal(beta, Ztsnr.Betas[t], 1e-13);
        Assert.Equal(alphaCumprod, Ztsnr.AlphasCumprod[t], 1e-13);
    }

    [Fact]
    public void WithZeroTerminalSnr_LastStep_IsPureNoise()
    {
        Assert.Equal(1.0, Ztsnr.Betas[999]);
        Assert.Equal(0.0, Ztsnr.AlphasCumprod[999]);
        Assert.Equal(0.0, Ztsnr.Snr(999));
        // The sheet's table: SNR < 5 from t = 139 on (147 without the rescale).
        Assert.True(Ztsnr.Snr(138) >= 5 && Ztsnr.Snr(139) < 5);
    }

    [Fact]
    public void WithFiniteTerminal_SetsLastAlphaCumprodTo2PowMinus24Only()
    {
        var sampling = Ztsnr.WithFiniteTerminal();
        Assert.Equal(Math.Pow(2, -24), sampling.AlphasCumprod[999]);
        Assert.Equal(4095.9998779296857, sampling.Sigma(999), 1e-9);
        Assert.Equal(2254.237978337072, sampling.Sigma(998), 1e-9);
        Assert.Equal(Ztsnr.AlphasCumprod[..999], sampling.AlphasCumprod[..999]);
        var plain = NoiseSchedule.ScaledLinear();
        Assert.Same(plain, plain.WithFiniteTerminal());
    }

    [Theory]
    [InlineData(1, new[] { 999 })]
    [InlineData(3, new[] { 999, 666, 332 })]
    [InlineData(7, new[] { 999, 856, 713, 570, 428, 285, 142 })]
    [InlineData(16, new[] { 999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61 })]
    public void Trailing_MatchesDiffusers(int steps, int[] expected)
    {
        var s = SigmaSchedule.Trailing(Ztsnr.WithFiniteTerminal(), steps);
        Assert.Equal(expected, s.Timesteps);
        Assert.Equal(steps + 1, s.Sigmas.Length);
        Assert.Equal(0.0, s.Sigmas[^1]);
    }

    // numpy's arange makes 62 entries (the last t = −1) for 61 steps; the ladder keeps 61.
    [Theory]
    [InlineData(30, 32)]
    [InlineData(61, 15)]
    [InlineData(1000, 0)]
    public void Trailing_HasExactlyStepsEntriesEndingAtItsLastStride(int steps, int last)
    {
        var s = SigmaSchedule.Trailing(Ztsnr.WithFiniteTerminal(), steps);
        Assert.Equal(steps, s.Timesteps.Length);
        Assert.Equal(999, s.Timesteps[0]);
        Assert.Equal(last, s.Timesteps[^1]);
    }
}
