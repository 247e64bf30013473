using static TorchSharp.torch;

namespace Kohaku.Training.Schedule;

public enum TimestepDistribution { Uniform, LogitNormal }

// Which training timestep a sample gets, drawn from that sample's own generator.
// Uniform over [min, max) is kohya's `torch.randint(min_timestep, max_timestep)` (min 0, max 1000:
// the Δ recipe, the same draws as before these options existed). Logit-normal (SD3's, OneTrainer's
// LOGIT_NORMAL) puts u = mean + std·N(0, 1) through a sigmoid and spreads it over [min, max), so
// the middle timesteps are trained most.
public sealed record TimestepSampler(int Min, int Max, TimestepDistribution Distribution = TimestepDistribution.Uniform, double LogitMean = 0, double LogitStd = 1)
{
    public Tensor Draw(Generator rng)
    {
        if (Distribution == TimestepDistribution.Uniform) return randint(Min, Max, [1], dtype: ScalarType.Int64, generator: rng);
        var u = LogitMean + LogitStd * randn([1], dtype: ScalarType.Float64, generator: rng).item<double>();
        var t = Min + (long)Math.Floor(1 / (1 + Math.Exp(-u)) * (Max - Min));
        return tensor(new[] { Math.Min(t, Max - 1L) });
    }
}
