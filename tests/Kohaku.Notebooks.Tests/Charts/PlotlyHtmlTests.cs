using Kohaku.Notebooks.Charts;

namespace Kohaku.Notebooks.Tests.Charts;

public sealed class PlotlyHtmlTests
{
    [Fact]
    public void Fragment_Chart_DrawsWithLoadedPlotlyElseLoadsFromCdn()
    {
        var html = PlotlyHtml.Fragment(Chart.Line([1, 2], [3, 4], "t"));
        Assert.Contains("if (typeof Plotly !== 'undefined') { renderPlotly_", html);
        Assert.Contains($"https://cdn.plot.ly/plotly-{PlotlyHtml.PlotlyJsVersion}.min", html);
        // Plotly.NET's own unconditional call is replaced, so nothing runs before plotly.js is there.
        Assert.DoesNotMatch(@"(?m)^renderPlotly_[0-9a-f]+\(\);", html);
    }

    [Fact]
    public void PlotlyJs_Resource_IsThePinnedVersion() =>
        Assert.StartsWith("/**\n* plotly.js v" + PlotlyHtml.PlotlyJsVersion, PlotlyHtml.PlotlyJs.Replace("\r", ""));
}
