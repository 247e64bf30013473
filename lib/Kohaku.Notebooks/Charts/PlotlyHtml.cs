using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kohaku.Data.IO;
using Plotly.NET;

namespace Kohaku.Notebooks.Charts;

// How a Plotly.NET chart becomes notebook output. HTML: Plotly.NET's div + script, drawn with the
// page's plotly.js if one is loaded (the offline report loads plotly.min.js from its run folder)
// and otherwise fetched from the CDN, through require.js where the page has an AMD loader
// (plotly.js then does not set window.Plotly). Beside it the figure itself as Plotly's mime type,
// which JupyterLab and VS Code draw with their own plotly.js, offline and without trusting the
// notebook. Standalone files embed plotly.js from Plotly.NET's resources.
public static partial class PlotlyHtml
{
    public const string MimeType = "application/vnd.plotly.v1+json";

    // The file name pages load plotly.js from, beside them (see WriteScript).
    public const string ScriptFile = "plotly.min.js";

    public const string PlotlyJsVersion = "2.28.0";
    private const string CdnUrl = "https://cdn.plot.ly/plotly-" + PlotlyJsVersion + ".min";
    private const string ResourceName = "Plotly.NET.plotly-" + PlotlyJsVersion + ".min.js";

    private static readonly Lazy<string> Script = new(() =>
    {
        using var stream = typeof(GenericChart).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {typeof(GenericChart).Assembly.GetName()}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    // plotly.js itself (about 3.6 MB), for pages that must work offline.
    public static string PlotlyJs => Script.Value;

    // {"data": [...], "layout": {...}, "config": {...}}, what application/vnd.plotly.v1+json holds.
    public static string Figure(GenericChart chart) => GenericChart.toJson(chart);

    // The text a client without a chart renderer shows: the title and the axis titles.
    public static string Caption(GenericChart chart)
    {
        var layout = JsonNode.Parse(Figure(chart))?["layout"];
        static string? TextOf(JsonNode? node) => node?["title"]?["text"]?.GetValue<string>() is { Length: > 0 } text ? text : null;
        var axes = new[] { ("x", TextOf(layout?["xaxis"])), ("y", TextOf(layout?["yaxis"])) }.Where(a => a.Item2 is not null).Select(a => $"{a.Item1}: {a.Item2}").ToList();
        var title = TextOf(layout) ?? "Plotly chart";
        return axes.Count == 0 ? title : $"{title} ({string.Join(", ", axes)})";
    }

    // plotly.js as ScriptFile in folder, written once: a file of the right length is taken to be
    // it, so every report of a run folder shares one copy instead of inlining 3.6 MB each.
    public static void WriteScript(string folder)
    {
        var path = Path.Combine(folder, ScriptFile);
        var bytes = Encoding.UTF8.GetBytes(PlotlyJs);
        if (!File.Exists(path) || new FileInfo(path).Length != bytes.Length) AtomicFile.WriteAllBytes(path, bytes);
    }

    public static string Fragment(GenericChart chart)
    {
        var html = GenericChart.toChartHTML(chart);
        var call = RenderCall().Match(html);
        if (!call.Success) return html;
        var fn = call.Groups["fn"].Value;
        var loader = $$"""
            (function () {
              if (typeof Plotly !== 'undefined') { {{fn}}(); return; }
              if (typeof require === 'function' && typeof define === 'function' && define.amd) {
                require.config({ paths: { plotly: '{{CdnUrl}}' } });
                require(['plotly'], function (p) { window.Plotly = p; {{fn}}(); });
                return;
              }
              var s = document.createElement('script');
              s.src = '{{CdnUrl}}.js';
              s.onload = {{fn}};
              document.head.appendChild(s);
            })();
            """;
        return html.Remove(call.Index, call.Length).Insert(call.Index, loader);
    }

    // A complete page with plotly.js inlined: opens without a network.
    public static string Document(GenericChart chart, string title = "chart") =>
        $"""
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>{System.Net.WebUtility.HtmlEncode(title)}</title>
        <script type="text/javascript">{PlotlyJs}</script></head>
        <body>{Fragment(chart)}</body></html>
        """;

    [GeneratedRegex(@"^(?<fn>renderPlotly_[0-9a-f]+)\(\);\s*$", RegexOptions.Multiline)]
    private static partial Regex RenderCall();
}
