namespace Kohaku.Diffusion.Sampling;

// Which discrete timesteps a run of `steps` visits, and their σ (descending, with a final 0).
// "Leading" spacing with offset 1, as the SDXL base scheduler config (t = 999/… down to 1 for 1000/steps
// strides): t_i = (steps−1−i)·⌊1000/steps⌋ + 1.
public sealed record SigmaSchedule(int[] Timesteps, double[] Sigmas)
{
    public static SigmaSchedule Leading(NoiseSchedule schedule, int steps)
    {
        if (steps < 1 || steps > schedule.Steps) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be 1..{schedule.Steps}");
        var stride = schedule.Steps / steps;
        var timesteps = Enumerable.Range(0, steps).Select(i => (steps - 1 - i) * stride + 1).ToArray();
        var sigmas = timesteps.Select(schedule.Sigma).Append(0.0).ToArray();
        return new SigmaSchedule(timesteps, sigmas);
    }

    // "Trailing" spacing (diffusers' timestep_spacing "trailing"): t_k = round(1000 − k·1000/steps) − 1,
    // so the first step is t = 999, the pure-noise end of a zero-terminal-SNR schedule (Lin et al. 2023
    // §3.3). Exactly `steps` entries: numpy's arange, which diffusers uses, adds a t = −1 for some counts
    // (61, 103, …) through rounding in its length.
    public static SigmaSchedule Trailing(NoiseSchedule schedule, int steps)
    {
        if (steps < 1 || steps > schedule.Steps) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be 1..{schedule.Steps}");
        var stride = -(double)schedule.Steps / steps;
        var timesteps = Enumerable.Range(0, steps).Select(k => (int)Math.Round(schedule.Steps + k * stride, MidpointRounding.ToEven) - 1).ToArray();
        var sigmas = timesteps.Select(schedule.Sigma).Append(0.0).ToArray();
        return new SigmaSchedule(timesteps, sigmas);
    }

    // The noise level the initial latent is drawn at: σ_max in the x₀ + σ·ε scale, i.e. a VP sample of
    // unit variance √(σ²+1) (diffusers' init_noise_sigma).
    public double InitialScale => Math.Sqrt(Sigmas[0] * Sigmas[0] + 1);
}
