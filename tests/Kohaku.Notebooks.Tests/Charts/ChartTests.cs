using Kohaku.Notebooks.Charts;
using GenericChart = Plotly.NET.GenericChart;

namespace Kohaku.Notebooks.Tests.Charts;

public sealed class ChartTests
{
    [Fact]
    public void Line_SmoothWindow_AddsMovingAverageTraceWithTitle()
    {
        var json = GenericChart.toJson(Chart.Line([0, 1, 2, 3], [4, 0, 2, 6], "loss", "step", "loss", "loss", smoothWindow: 2));
        Assert.Contains("\"name\":\"loss (mean of 2)\"", json);
        Assert.Contains("\"y\":[4.0,2.0,1.0,4.0]", json);
        Assert.Contains("\"text\":\"loss\"", json);
    }

    [Fact]
    public void MovingAverage_Window3_AveragesTrailingValues() =>
        Assert.Equal([1.0, 1.5, 2.0, 3.0, 4.0], Chart.MovingAverage([1, 2, 3, 4, 5], 3));

    [Fact]
    public void Histogram_LogY_SetsLogAxis()
    {
        var json = GenericChart.toJson(Chart.Histogram([1, 2, 2, 3], "sizes", "px", bins: 10, logY: true));
        Assert.Contains("\"type\":\"histogram\"", json);
        Assert.Contains("\"type\":\"log\"", json);
        Assert.Contains("\"nbinsx\":10", json);
    }

    [Fact]
    public void Scatter_Labels_WritesPointsWithText()
    {
        var json = GenericChart.toJson(Chart.Scatter([1, 2], [3, 4], "ar", labels: ["a", "b"]));
        Assert.Contains("\"mode\":\"markers\"", json);
        Assert.Contains("\"text\":[\"a\",\"b\"]", json);
    }

    [Fact]
    public void Style_CombinedChart_TitlesAndPageWidth()
    {
        var chart = Chart.Style(Plotly.NET.CSharp.Chart.Column<double, string, string>(new[] { 1.0, 2.0 }, Keys: new[] { "a", "b" }), "per tier", "tier", "share");
        var layout = System.Text.Json.Nodes.JsonNode.Parse(PlotlyHtml.Figure(chart))!["layout"]!.AsObject();
        Assert.Equal(("per tier", "tier", "share"), ((string?)layout["title"]!["text"], (string?)layout["xaxis"]!["title"]!["text"], (string?)layout["yaxis"]!["title"]!["text"]));
        // No fixed width: plotly.js fills the output's width.
        Assert.False(layout.ContainsKey("width"));
        Assert.Equal((true, 450), ((bool)layout["autosize"]!, (int)layout["height"]!));
        Assert.Equal("per tier (x: tier, y: share)", PlotlyHtml.Caption(chart));
    }

    [Fact]
    public void SaveHtml_Chart_WritesOfflinePageWithFigure()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "c.html");
        Chart.SaveHtml(Chart.Bar(["x"], [1], "bars"), path, "bars");
        var html = File.ReadAllText(path);
        Assert.Contains("plotly.js v" + PlotlyHtml.PlotlyJsVersion, html);
        Assert.Contains("Plotly.newPlot", html);
        Assert.DoesNotContain("<script src", html);
    }
}
