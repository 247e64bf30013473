using Kohaku.Training.Schedule;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Schedule;

public class TimestepSamplerTests
{
    private static long[] Draws(TimestepSampler sampler, int count, long seed = 7)
    {
        using var rng = new Generator((ulong)seed);
        return Enumerable.Range(0, count).Select(_ => sampler.Draw(rng).item<long>()).ToArray();
    }

    // The Δ recipe's draws are kohya's randint(0, 1000) from the sample's generator, unchanged.
    [Fact]
    public void Draw_UniformDefaults_IsRandintZeroToThousandDrawForDraw()
    {
        using var rng = new Generator(7);
        var expected = Enumerable.Range(0, 50).Select(_ => randint(0, 1000, [1], dtype: ScalarType.Int64, generator: rng).item<long>()).ToArray();

        Assert.Equal(expected, Draws(new TimestepSampler(0, 1000), 50));
    }

    [Fact]
    public void Draw_UniformRange_StaysInMinToMaxAndCoversIt()
    {
        var draws = Draws(new TimestepSampler(200, 210), 400);

        Assert.All(draws, t => Assert.InRange(t, 200, 209));
        Assert.Equal(10, draws.Distinct().Count());
    }

    // t = min + floor(sigmoid(mean + std·z)·(max − min)) with z the generator's next standard normal.
    [Fact]
    public void Draw_LogitNormal_IsTheSigmoidOfTheShiftedNormal()
    {
        var sampler = new TimestepSampler(100, 900, TimestepDistribution.LogitNormal, LogitMean: 0.5, LogitStd: 2);
        using var rng = new Generator(11);
        var expected = Enumerable.Range(0, 20).Select(_ =>
        {
            var z = randn([1], dtype: ScalarType.Float64, generator: rng).item<double>();
            return 100 + (long)Math.Floor(1 / (1 + Math.Exp(-(0.5 + 2 * z))) * 800);
        }).ToArray();

        Assert.Equal(expected, Draws(sampler, 20, seed: 11));
    }

    [Fact]
    public void Draw_LogitNormalStandard_MedianAtTheMiddleAndFewAtTheEnds()
    {
        var draws = Draws(new TimestepSampler(0, 1000, TimestepDistribution.LogitNormal), 4000).Order().ToArray();

        Assert.InRange(draws[draws.Length / 2], 470, 530);
        Assert.InRange(draws.Count(t => t < 100 || t >= 900), 70, 160);   // 2·Φ(−2.197) = 2.8 % of 4000 = 112 ± 10.5
    }
}
