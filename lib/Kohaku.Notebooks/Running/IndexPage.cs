using System.Globalization;
using System.Text;

namespace Kohaku.Notebooks.Running;

// index.html of a `kohaku run` folder: when, from which commit and on what the run computed, how
// long it took, each notebook with its report, the posts followed through the stages (drawn →
// unique → captioned → bucketed or skipped, checked against each other), every headline figure,
// and links to the files the stages wrote.
public static class IndexPage
{
    public static string Render(IReadOnlyList<NotebookRunResult> results, IReadOnlyDictionary<string, string> parameters, string outDir) =>
        Render(results, parameters, outDir, RunEnvironment.Current(results.FirstOrDefault()?.Notebook));

    internal static string Render(IReadOnlyList<NotebookRunResult> results, IReadOnlyDictionary<string, string> parameters, string outDir, RunEnvironment environment)
    {
        var html = new StringBuilder("<h1>Kohaku run</h1>\n<table>");
        Row(html, "date", environment.Date.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture));
        Row(html, "commit", environment.Commit ?? "unknown (not a git checkout)");
        Row(html, "torch", environment.Torch);
        Row(html, "total time", Duration(results.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Duration)));
        Row(html, "notebooks", $"{results.Count(r => r.Succeeded)} of {results.Count} ran without error");
        html.Append("</table>\n<h2>Notebooks</h2>\n<table><tr><th>notebook</th><th>status</th><th>time</th><th>files</th></tr>");
        foreach (var r in results)
        {
            var name = Path.GetFileName(r.ExecutedPath);
            html.Append($"<tr><td>{E(Path.GetFileNameWithoutExtension(name))}</td><td>{(r.Succeeded ? "ok" : E(r.Error ?? "failed"))}</td>")
                .Append($"<td>{Duration(r.Duration)}</td><td><a href=\"{E(Path.GetFileName(r.ReportPath))}\">report</a> · <a href=\"{E(name)}\">ipynb</a></td></tr>");
        }
        html.Append("</table>\n").Append(Counts(results.SelectMany(r => r.Headlines).ToList()));
        html.Append("<h2>Headline figures</h2>\n<table><tr><th>notebook</th><th>figure</th><th>value</th></tr>");
        foreach (var r in results)
            foreach (var (name, value) in r.Headlines)
                html.Append($"<tr><td>{E(Path.GetFileNameWithoutExtension(r.Notebook))}</td><td>{E(name)}</td><td>{Value(value, outDir)}</td></tr>");
        html.Append("</table>\n").Append(Files(parameters, outDir)).Append("<h2>Parameters</h2>\n<table>");
        foreach (var (k, v) in parameters) Row(html, k, v);
        html.Append("</table>\n");
        return HtmlReport.Page("Kohaku run", html.ToString());
    }

    // The headline names notebooks 01-03 report (Report.Headline) for the posts they hand on.
    internal const string Drawn = "posts drawn", Unique = "unique posts selected", Captions = "captions", Bucketed = "images bucketed", Skipped = "images skipped";

    // ids.txt holds every draw, or each post once when select.unique is set; notebook 03 buckets or
    // skips each line of it, so bucketed + skipped must equal one of the two.
    internal static string Counts(IReadOnlyList<(string Name, string Value)> headlines)
    {
        long? Get(string name) => headlines.Where(h => h.Name == name).Select(h => long.TryParse(h.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : (long?)null).FirstOrDefault();
        var (drawn, unique, captions, bucketed, skipped) = (Get(Drawn), Get(Unique), Get(Captions), Get(Bucketed), Get(Skipped));
        if (drawn is null && unique is null && captions is null && bucketed is null && skipped is null) return "";
        var html = new StringBuilder("<h2>Posts through the stages</h2>\n<table><tr><th>stage</th><th>count</th><th>check</th></tr>");
        void Count(string name, long? value, string check = "")
        {
            if (value is not null) html.Append($"<tr><td>{E(name)}</td><td style=\"text-align:right\">{N(value)}</td><td>{check}</td></tr>");
        }
        Count(Drawn, drawn);
        Count(Unique, unique, drawn - unique is { } duplicates ? E($"{N(duplicates)} drawn more than once") : "");
        Count(Captions, captions, unique is null || captions is null ? "" : Check(captions == unique, "one per unique post", $"≠ {N(unique)} unique posts"));
        Count(Bucketed, bucketed);
        var assigned = bucketed + skipped;
        Count(Skipped, skipped, assigned is null ? "" : Check(assigned == drawn || assigned == unique,
            $"bucketed + skipped = {N(assigned)} = {(assigned == drawn ? Drawn : Unique)}",
            $"bucketed + skipped = {N(assigned)}, neither {Drawn} nor {Unique}"));
        return html.Append("</table>\n").ToString();
    }

    private static string Check(bool ok, string agrees, string differs) =>
        ok ? $"<span class=\"ok\">✓ {E(agrees)}</span>" : $"<span class=\"failed\">✗ {E(differs)}</span>";

    // The stages' files in the work folder and its figures, linked relative to the run folder.
    private static string Files(IReadOnlyDictionary<string, string> parameters, string outDir)
    {
        if (!parameters.TryGetValue("workDir", out var work) || !Directory.Exists(work)) return "";
        var files = Directory.GetFiles(work).Concat(Directory.Exists(Path.Combine(work, "figures")) ? Directory.GetFiles(Path.Combine(work, "figures")) : []).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) return "";
        var html = new StringBuilder("<h2>Output files</h2>\n<table><tr><th>file</th><th>size</th></tr>");
        foreach (var file in files)
            html.Append($"<tr><td>{Link(file, outDir)}</td><td style=\"text-align:right\">{Size(new FileInfo(file).Length)}</td></tr>");
        return html.Append("</table>\n").ToString();
    }

    // Whole numbers with separators, paths of existing files as links, anything else as written.
    private static string Value(string value, string outDir) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? N(n)
        : Path.IsPathFullyQualified(value) && File.Exists(value) ? Link(value, outDir)
        : E(value);

    private static string Link(string file, string outDir)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(outDir), file);
        var href = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? new Uri(file).AbsoluteUri : relative.Replace('\\', '/');
        return $"<a href=\"{E(href)}\">{E(relative)}</a>";
    }

    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F1} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 10):F1} KiB"),
        _ => $"{bytes} B",
    };

    internal static string Duration(TimeSpan t) => t.TotalSeconds < 60
        ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F1} s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}");

    // Headline integers are counts and sizes: separators throughout, unlike a table's years.
    private static string N(long? n) => n?.ToString("N0", CultureInfo.InvariantCulture) ?? "";

    private static void Row(StringBuilder html, string name, string value) => html.Append($"<tr><th>{E(name)}</th><td>{E(value)}</td></tr>");

    private static string E(string s) => HtmlReport.Encode(s);
}
