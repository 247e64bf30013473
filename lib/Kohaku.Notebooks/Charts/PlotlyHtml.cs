using System.Reflection;
using System.Text.RegularExpressions;
using Plotly.NET;

namespace Kohaku.Notebooks.Charts;

// How a Plotly.NET chart becomes HTML. In a notebook output: Plotly.NET's div + script, drawn
// with the page's plotly.js if one is loaded (the offline report embeds it once in <head>) and
// otherwise fetched from the CDN, through require.js where the page has an AMD loader (plotly.js
// then does not set window.Plotly). Standalone files embed plotly.js from Plotly.NET's resources.
public static partial class PlotlyHtml
{
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
