using Kohaku.Data.IO;
using Plotly.NET;
using Plotly.NET.CSharp;
using PChart = Plotly.NET.CSharp.Chart;

namespace Kohaku.Notebooks.Charts;

// The few chart shapes the stage notebooks share, over Plotly.NET.CSharp, so every notebook
// titles and sizes them the same way. Each returns a GenericChart (rendered as a Plotly div and as
// Plotly's figure JSON, see PlotlyHtml).
public static class Chart
{
    private const int Height = 450;

    // A series against x; with smoothWindow > 1 a trailing moving average is drawn over it
    // (loss curves are unreadable raw).
    public static GenericChart Line(IEnumerable<double> x, IEnumerable<double> y, string title, string xTitle = "", string yTitle = "", string name = "value", int smoothWindow = 0)
    {
        var xs = x.ToArray();
        var ys = y.ToArray();
        var chart = smoothWindow > 1
            ? PChart.Combine([PChart.Line<double, double, string>(x: xs, y: ys, Name: name, Opacity: 0.35), PChart.Line<double, double, string>(x: xs, y: MovingAverage(ys, smoothWindow), Name: $"{name} (mean of {smoothWindow})")])
            : PChart.Line<double, double, string>(x: xs, y: ys, Name: name);
        return Style(chart, title, xTitle, yTitle);
    }

    // Several named series on one pair of axes (training and validation loss): a series with
    // smoothWindow > 1 is drawn faint with its trailing mean over it, a sparse one with markers.
    public static GenericChart Lines(string title, string xTitle, string yTitle, params (string Name, IEnumerable<double> X, IEnumerable<double> Y, int SmoothWindow)[] series)
    {
        var traces = new List<GenericChart>();
        foreach (var (name, x, y, window) in series)
        {
            var (xs, ys) = (x.ToArray(), y.ToArray());
            if (window > 1)
            {
                traces.Add(PChart.Line<double, double, string>(x: xs, y: ys, Name: name, Opacity: 0.35));
                traces.Add(PChart.Line<double, double, string>(x: xs, y: MovingAverage(ys, window), Name: $"{name} (mean of {window})"));
            }
            else traces.Add(PChart.Line<double, double, string>(x: xs, y: ys, Name: name, ShowMarkers: true));
        }
        return Style(PChart.Combine(traces), title, xTitle, yTitle);
    }

    public static GenericChart Bar(IEnumerable<string> labels, IEnumerable<double> values, string title, string xTitle = "", string yTitle = "") =>
        Style(PChart.Column<double, string, string>(values: values.ToArray(), Keys: labels.ToArray()), title, xTitle, yTitle);

    public static GenericChart Histogram(IEnumerable<double> values, string title, string xTitle = "", int bins = 50, bool logY = false)
    {
        var chart = Style(PChart.Histogram<double, double, string>(X: values.ToArray(), NBinsX: bins), title, xTitle, "count");
        return logY ? chart.WithYAxisStyle<double, double, string>(TitleText: "count (log)", AxisType: StyleParam.AxisType.Log) : chart;
    }

    public static GenericChart Scatter(IEnumerable<double> x, IEnumerable<double> y, string title, string xTitle = "", string yTitle = "", IEnumerable<string>? labels = null) =>
        Style(labels is null
            ? PChart.Point<double, double, string>(x: x.ToArray(), y: y.ToArray())
            : PChart.Point<double, double, string>(x: x.ToArray(), y: y.ToArray(), MultiText: labels.ToArray()), title, xTitle, yTitle);

    // A standalone page that opens offline (plotly.js inlined), written atomically.
    public static string SaveHtml(GenericChart chart, string path, string title = "chart")
    {
        AtomicFile.WriteAllText(path, PlotlyHtml.Document(chart, title));
        return Path.GetFullPath(path);
    }

    internal static double[] MovingAverage(IReadOnlyList<double> values, int window)
    {
        var result = new double[values.Count];
        var sum = 0.0;
        for (var i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }

    // Title, axis titles and the workspace's chart size for any chart, e.g. one built with Chart.Combine.
    public static GenericChart Style(GenericChart chart, string title, string xTitle = "", string yTitle = "") =>
        FullWidth(Plotly.NET.Chart.withTitle(title, null).Invoke(chart)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle));

    // The page's width instead of Plotly.NET's fixed 600 px: without a layout width plotly.js
    // autosizes to its container, and the responsive config (Plotly.NET's default) follows resizes.
    private static GenericChart FullWidth(GenericChart chart)
    {
        var layout = GenericChart.getLayout(chart);
        layout.RemoveProperty("width");
        layout.SetProperty("height", Height);
        layout.SetProperty("autosize", true);
        return GenericChart.setLayout(layout, chart);
    }
}
