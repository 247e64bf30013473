using Kohaku.Diffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sampling;

public sealed class DdimSamplerTests
{
    private static readonly double[] Sigmas = [14.6, 7.0, 3.0, 1.0, 0.3, 0.0];

    // A nonlinear stand-in for a network, so agreement is not an accident of linearity.
    private static Tensor Model(Tensor x, double sigma) => tanh(x / (float)(1 + sigma)) * 0.8f;

    // diffusers' DDIMScheduler with SDXL base's scheduler config (scaled_linear 0.00085..0.012 over 1000,
    // "leading" spacing, steps_offset 1, set_alpha_to_one false): set_timesteps(n).timesteps, and for each
    // step alpha_prod_t_prev = alphas_cumprod[t − 1000//n], or final_alpha_cumprod = alphas_cumprod[0] past 0.
    // diffusers computes alphas_cumprod in fp32; this schedule is in double (4.7e-7 apart at most).
    public static TheoryData<int, int[], double[]> Diffusers => new()
    {
        {
            12, [914, 831, 748, 665, 582, 499, 416, 333, 250, 167, 84, 1],
            [0.027865896, 0.0570799299, 0.105804868, 0.178824887, 0.27766946, 0.399092525, 0.534961879, 0.673792303,
             0.803390026, 0.913609147, 0.998296022, 0.999149978]
        },
        {
            30, [958, 925, 892, 859, 826, 793, 760, 727, 694, 661, 628, 595, 562, 529, 496, 463, 430, 397, 364, 331,
                 298, 265, 232, 199, 166, 133, 100, 67, 34, 1],
            [0.010860119, 0.0153682968, 0.0213624872, 0.0291824117, 0.0391959921, 0.05178703, 0.0673389658, 0.0862154216,
             0.108738475, 0.135166094, 0.16567032, 0.200317964, 0.239055634, 0.281700343, 0.327936918, 0.377322495,
             0.429298282, 0.483208179, 0.53832227, 0.59386462, 0.649043202, 0.7030797, 0.755238056, 0.804850161,
             0.851336539, 0.894223154, 0.933150828, 0.967881262, 0.998296022, 0.999149978]
        },
    };

    [Theory]
    [MemberData(nameof(Diffusers))]
    public void Leading_TimestepsAndPrevAlphaCumprod_AreDiffusersSdxlDdim(int steps, int[] timesteps, double[] prevAlphaCumprod)
    {
        var schedule = SigmaSchedule.Leading(NoiseSchedule.ScaledLinear(), steps);
        Assert.Equal(timesteps, schedule.Timesteps);
        var ddim = new DdimSampler();
        for (var i = 0; i < steps; i++) Assert.Equal(prevAlphaCumprod[i], ddim.PrevAlphaCumprod(schedule.Sigmas, i), 1e-6);
        Assert.Equal(1 - 0.00085, ddim.PrevAlphaCumprod(schedule.Sigmas, steps - 1), 1e-15);
    }

    // A 12-step eta-0 run through DiscreteDenoiser on a timestep-dependent toy ε-model, against diffusers'
    // pipeline loop written out: latents = noise (init_noise_sigma 1), then per timestep
    // x₀ = (x − √(1−ᾱ_t)·ε)/√ᾱ_t, x = √ᾱ_prev·x₀ + √(1−ᾱ_prev)·ε, ᾱ_prev = ᾱ₀ after the last.
    [Fact]
    public void Sample_Eta0_EqualsDiffusersDdimLoop()
    {
        using var scope = NewDisposeScope();
        const int steps = 12;
        var schedule = NoiseSchedule.ScaledLinear();
        var ladder = SigmaSchedule.Leading(schedule, steps);
        static Tensor Eps(Tensor x, Tensor t) => tanh(x * 0.7f) * 0.6f + (t.to(ScalarType.Float32) / 1000f - 0.4f) * x.cos();
        var noise = randn([1, 16], generator: new Generator(21));

        var denoiser = DiscreteDenoiser.Wrap(Eps, schedule);
        var ours = new DdimSampler().Sample(denoiser, noise * (float)ladder.InitialScale, ladder.Sigmas);

        var ac = schedule.AlphasCumprod;
        var x = noise.clone();
        foreach (var t in ladder.Timesteps)
        {
            var prev = t - 1000 / steps;
            var (a, aPrev) = (ac[t], prev >= 0 ? ac[prev] : ac[0]);
            var e = Eps(x, tensor(new long[] { t }));
            var x0 = (x - e * (float)Math.Sqrt(1 - a)) / (float)Math.Sqrt(a);
            x = x0 * (float)Math.Sqrt(aPrev) + e * (float)Math.Sqrt(1 - aPrev);
        }

        Assert.True(allclose(ours, x, rtol: 1e-4, atol: 1e-5), $"max diff {(ours - x).abs().max().item<float>()}");
        // Ending on ᾱ = 1 instead (the old x₀ end) is visibly different.
        var toOne = new DdimSampler(finalAlphaCumprod: 1.0).Sample(denoiser, noise * (float)ladder.InitialScale, ladder.Sigmas);
        Assert.False(allclose(toOne, x, rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void Sample_Eta0AlphaToOne_EqualsEulerOnTheSameLadder()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var x = randn(4) * 14.6f;
        var ddim = new DdimSampler(finalAlphaCumprod: 1.0).Sample(Model, x, Sigmas);
        var euler = new EulerSampler().Sample(Model, x, Sigmas);
        Assert.True(allclose(ddim, euler, atol: 1e-5));
    }

    [Fact]
    public void Sample_Eta1_SameGeneratorSeed_SameResultAndDiffersFromEta0()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var x = randn(4) * 14.6f;
        var a = new DdimSampler(1.0, new Generator(5)).Sample(Model, x, Sigmas);
        var b = new DdimSampler(1.0, new Generator(5)).Sample(Model, x, Sigmas);
        var deterministic = new DdimSampler().Sample(Model, x, Sigmas);
        Assert.True(a.Equals(b));
        Assert.False(allclose(a, deterministic));
    }

    [Fact]
    public void Sample_EtaWithoutGenerator_Throws()
    {
        using var x = zeros(1);
        Assert.Throws<ArgumentException>(() => new DdimSampler(0.5).Sample(Model, x, Sigmas));
    }
}
