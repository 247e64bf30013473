using Kohaku.Notebooks.Charts;
using Kohaku.Notebooks.Running;

namespace Kohaku.Notebooks.Tests.Running;

[Collection("headless")]
public sealed class RunFolderTests
{
    [Fact]
    public async Task RunAsync_TwoChartNotebooks_OnePlotlyJsInRunFolderLoadedByBothReports()
    {
        using var temp = new TempFolder();
        var a = TestPaths.WriteNotebook(temp.Path, "01-a.ipynb", "Kohaku.Notebooks.Charts.Chart.Bar(new[] { \"x\" }, new[] { 1.0 }, \"counts\", \"bucket\", \"images\")");
        var b = TestPaths.WriteNotebook(temp.Path, "02-b.ipynb", "Kohaku.Notebooks.Charts.Chart.Line(new[] { 1.0, 2.0 }, new[] { 3.0, 4.0 }, \"loss\", \"step\", \"loss\")");
        var outDir = Path.Combine(temp.Path, "run");

        var results = await RunJob.RunAsync([a, b], new Dictionary<string, string>(), outDir, TextWriter.Null);

        Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
        var script = Assert.Single(Directory.GetFiles(outDir, "*.js", SearchOption.AllDirectories));
        Assert.Equal(Path.Combine(outDir, PlotlyHtml.ScriptFile), script);
        Assert.Equal(PlotlyHtml.PlotlyJs, File.ReadAllText(script));
        foreach (var report in results.Select(r => File.ReadAllText(r.ReportPath)))
        {
            Assert.Contains("<script type=\"text/javascript\" src=\"plotly.min.js\"></script>", report);
            Assert.DoesNotContain("plotly.js v", report);
        }
    }
}
