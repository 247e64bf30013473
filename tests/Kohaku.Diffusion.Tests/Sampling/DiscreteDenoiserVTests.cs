using Kohaku.Diffusion.Sampling;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sampling;

public sealed class DiscreteDenoiserVTests
{
    // k-diffusion's VDenoiser at σ_data 1: x·c_in in, x/(σ²+1) − v·σ/√(σ²+1) out.
    [Fact]
    public void Wrap_ScalesInputPicksTimestepAndAppliesEulerX0Formula()
    {
        var schedule = NoiseSchedule.ScaledLinear();
        var (seenScale, seenT) = (0f, -1L);
        var denoiser = DiscreteDenoiser.Wrap((x, t) =>
        {
            seenScale = x[0, 0].item<float>();
            seenT = t[0].item<long>();
            return full_like(x, 0.25f);
        }, schedule, Prediction.V);
        var sigma = schedule.Sigma(500);
        using var scope = NewDisposeScope();
        var d = denoiser(full(2, 3, 2f), sigma);
        Assert.Equal(500, seenT);
        Assert.Equal((float)(2 / Math.Sqrt(sigma * sigma + 1)), seenScale, 6);
        var expected = 2 / (sigma * sigma + 1) - 0.25 * sigma / Math.Sqrt(sigma * sigma + 1);
        Assert.True(allclose(d, full(2, 3, (float)expected), rtol: 1e-6, atol: 1e-7));
    }

    // A model that returns the true velocity v = √ᾱ·ε − √(1−ᾱ)·x₀ of x_t = √ᾱ·x₀ + √(1−ᾱ)·ε gets x₀
    // back, which is DDIM's x₀ = √ᾱ·x_t − √(1−ᾱ)·v on the VP sample; on the zero-terminal schedule too.
    [Theory]
    [InlineData(false, 10)]
    [InlineData(false, 700)]
    [InlineData(true, 500)]
    [InlineData(true, 998)]
    public void Wrap_TrueVelocity_RecoversX0AsDdimFormula(bool zeroTerminalSnr, int t)
    {
        var schedule = zeroTerminalSnr ? NoiseSchedule.ScaledLinear().WithZeroTerminalSnr().WithFiniteTerminal() : NoiseSchedule.ScaledLinear();
        var (a, b) = (Math.Sqrt(schedule.AlphasCumprod[t]), Math.Sqrt(1 - schedule.AlphasCumprod[t]));
        using var scope = NewDisposeScope();
        var x0 = linspace(-1, 1, 8, dtype: ScalarType.Float64).reshape(1, 2, 2, 2);
        var eps = cos(arange(8, dtype: ScalarType.Float64)).reshape(1, 2, 2, 2);
        var xt = x0 * a + eps * b;
        var velocity = eps * a - x0 * b;
        var denoiser = DiscreteDenoiser.Wrap((x, step) =>
        {
            Assert.Equal(t, step[0].item<long>());
            Assert.True(allclose(x, xt, rtol: 1e-12, atol: 1e-12));
            return velocity;
        }, schedule, Prediction.V);
        var d = denoiser(xt / a, schedule.Sigma(t));
        Assert.True(allclose(d, xt * a - velocity * b, rtol: 1e-12, atol: 1e-12));
        Assert.True(allclose(d, x0, rtol: 1e-9, atol: 1e-9));
    }

    [Fact]
    public void For_PicksTheParameterization()
    {
        var schedule = NoiseSchedule.ScaledLinear();
        using var scope = NewDisposeScope();
        var x = ones(1, 1);
        var sigma = schedule.Sigma(300);
        var eps = DiscreteDenoiser.Wrap((x, _) => x, schedule, Prediction.Epsilon)(x, sigma);
        var v = DiscreteDenoiser.Wrap((x, _) => x, schedule, Prediction.V)(x, sigma);
        var c = 1 / Math.Sqrt(sigma * sigma + 1);
        Assert.Equal((float)(1 - sigma * c), eps.item<float>(), 5);
        Assert.Equal((float)(c * c - sigma * c * c), v.item<float>(), 5);
    }
}
