using Kohaku.Training.Trainer;

namespace Kohaku.Training.Tests.Trainer;

public class MetricsLogTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"kohaku-metrics-{Guid.NewGuid():N}.jsonl");

    private static TrainStep Step(long n, double loss) =>
        new(n, 10, 0, loss, new Dictionary<string, double> { ["unet"] = 4e-5 }, 65536, 0.5, 3.0, false, new StepTimings(0.1, 0.2, 0.3, 0.05));

    [Fact]
    public void TruncateAfter_CutLastLine_KeepsParsedStepsUpToTheCheckpoint()
    {
        var log = new MetricsLog(_path);
        for (var i = 1; i <= 4; i++) log.Append(Step(i, i / 10.0));
        File.AppendAllText(_path, "{\"step\":5,\"los");
        log.TruncateAfter(3);
        var steps = MetricsLog.Read(_path);
        Assert.Equal([1L, 2, 3], steps.Select(s => s.Step));
        Assert.Equal(4e-5, steps[0].LearningRates["unet"]);
        Assert.Equal(0.2, steps[0].Timings.Forward);
    }

    [Fact]
    public void Append_NaNLoss_RoundTrips()
    {
        new MetricsLog(_path).Append(Step(1, double.NaN));
        Assert.True(double.IsNaN(MetricsLog.Read(_path).Single().Loss));
    }

    public void Dispose() => File.Delete(_path);
}
