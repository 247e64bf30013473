using System.Net;
using System.Text;
using Kohaku.Data.IO;
using Kohaku.Notebooks.Charts;
using Microsoft.DotNet.Interactive.Documents;

namespace Kohaku.Notebooks.Running;

// The executed notebook as one HTML page: narrative, code, outputs and charts, readable offline
// (images are data URIs; a page that draws a chart loads plotly.js from the one copy Save puts
// beside it in the run folder).
public static class HtmlReport
{
    // Richest first, as a notebook front end picks among an output's representations.
    private static readonly string[] MimeOrder = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "application/json", "text/plain"];

    internal const string Style = """
        body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
        pre{background:#f6f8fa;padding:.6em;overflow-x:auto;font-size:13px}
        .cell{margin:1em 0}.code pre{border-left:3px solid #4a7}.out{margin-left:1em;max-width:100%;overflow-x:auto}
        .stderr{color:#a50}.error pre{background:#fee;border-left:3px solid #c33}
        .status{padding:.5em;border-radius:4px}.ok{background:#e6f6e6}.failed{background:#fde8e8}
        table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
        """;

    public static string Render(InteractiveDocument document, NotebookRunResult run)
    {
        var body = new StringBuilder();
        var title = Path.GetFileNameWithoutExtension(run.Notebook);
        body.Append($"<h1>{Encode(title)}</h1>\n");
        body.Append(run.Succeeded
            ? $"<p class=\"status ok\">ran in {run.Duration.TotalSeconds:F1} s</p>\n"
            : $"<p class=\"status failed\">{Encode(run.Error ?? "failed")}</p>\n");
        for (var i = 0; i < document.Elements.Count; i++)
        {
            var cell = document.Elements[i];
            body.Append($"<div class=\"cell\" id=\"cell-{i + 1}\">");
            if (!NotebookRunner.IsCode(cell))
                body.Append(Markdown.ToHtml(cell.Contents));
            else
            {
                body.Append($"<div class=\"code\"><pre><code>{Encode(cell.Contents)}</code></pre></div>");
                foreach (var output in cell.Outputs) body.Append("<div class=\"out\">").Append(Output(output)).Append("</div>");
            }
            body.Append("</div>\n");
        }
        return Page(title, body.ToString());
    }

    // A page with the report style; one whose body draws a chart loads PlotlyHtml.ScriptFile from
    // its own folder (write it with Save).
    public static string Page(string title, string body)
    {
        var plotly = DrawsChart(body) ? $"<script type=\"text/javascript\" src=\"{PlotlyHtml.ScriptFile}\"></script>\n" : "";
        return $"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{Encode(title)}</title>\n<style>{Style}</style>\n{plotly}</head>\n<body>\n{body}</body></html>\n";
    }

    // Writes a page and, when it draws a chart, the plotly.js it loads beside it (once per folder).
    public static void Save(string path, string page)
    {
        if (DrawsChart(page)) PlotlyHtml.WriteScript(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllText(path, page);
    }

    private static bool DrawsChart(string html) => html.Contains("Plotly.newPlot", StringComparison.Ordinal);

    internal static string Output(InteractiveDocumentOutputElement output) => output switch
    {
        TextElement t => $"<pre class=\"{Encode(t.Name)}\">{Encode(t.Text)}</pre>",
        ErrorElement e => $"<div class=\"error\"><pre>{Encode($"{e.ErrorName}: {e.ErrorValue}\n{string.Join("\n", e.StackTrace)}")}</pre></div>",
        DisplayElement d => Data(d.Data),
        ReturnValueElement r => Data(r.Data),
        _ => "",
    };

    private static string Data(IDictionary<string, object> data)
    {
        foreach (var mime in MimeOrder)
        {
            if (!data.TryGetValue(mime, out var value)) continue;
            var text = TextOf(value);
            return mime switch
            {
                "text/html" or "image/svg+xml" => text,
                "image/png" or "image/jpeg" => $"<img src=\"data:{mime};base64,{text.Trim()}\"/>",
                "text/markdown" => Markdown.ToHtml(text),
                _ => $"<pre>{Encode(text)}</pre>",
            };
        }
        return "";
    }

    // An output's data as text: a string in memory, a list of lines once read back from .ipynb.
    internal static string TextOf(object? value) => value switch
    {
        string s => s,
        IEnumerable<object> lines => string.Concat(lines),
        _ => value?.ToString() ?? "",
    };

    internal static string Encode(string s) => WebUtility.HtmlEncode(s);
}
