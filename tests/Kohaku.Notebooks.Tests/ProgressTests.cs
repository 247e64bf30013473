using Kohaku.Data;

namespace Kohaku.Notebooks.Tests;

// In the collection of the other tests that swap Console.Error, so none of them reads another's output.
[Collection("headless")]
public sealed class ProgressTests
{
    [Fact]
    public void Reporter_FastReports_ShowsFirstThenOnePerIntervalAndFinal()
    {
        var now = TimeSpan.Zero;
        var shown = new List<string>();
        var reporter = new Progress.Reporter(() => now, TimeSpan.FromSeconds(2), shown.Add);
        foreach (var (t, done) in new[] { (0.0, 1L), (1.0, 2L), (2.5, 3L), (3.0, 4L), (3.1, 10L) })
        {
            now = TimeSpan.FromSeconds(t);
            reporter.Report(new StageProgress("captions", done, 10));
        }
        Assert.Equal(["captions: 1/10 (10.0%), 0 s, ~0 s left", "captions: 3/10 (30.0%), 2 s, ~6 s left", "captions: 10/10 (100.0%), 3 s"], shown);
    }

    [Fact]
    public void Summary_LaterLines_CountUpdates()
    {
        Assert.Equal("x: 1/9", Progress.Summary("x: 1/9", 1));
        Assert.Equal("x: 9/9 [1,234 updates]", Progress.Summary("x: 9/9", 1234));
    }

    [Fact]
    public void Format_UnknownTotalWithDetail_ShowsCountAndDetail() =>
        Assert.Equal("scan: 7, 12 s, shard 3", Progress.Format(new StageProgress("scan", 7, 0, "shard 3"), TimeSpan.FromSeconds(12)));

    [Fact]
    public void Create_OutsideKernel_WritesLinesToStderr()
    {
        var error = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try { Progress.Create().Report(new StageProgress("x", 1, 1)); }
        finally { Console.SetError(error); }
        Assert.StartsWith("x: 1/1 (100.0%)", captured.ToString());
    }
}
