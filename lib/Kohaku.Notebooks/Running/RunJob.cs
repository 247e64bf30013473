using Kohaku.Data.IO;

namespace Kohaku.Notebooks.Running;

// `kohaku run`: notebooks in order into one run folder (runs/<yyyyMMdd-HHmmss>/), each as an
// executed .ipynb plus its HTML report, and an index.html linking them with their headline
// figures. Stops at the first failing notebook, still writing the index for what ran.
public static class RunJob
{
    // The main job's notebooks: the stage notebooks 01-06 present under root/notebooks, sorted.
    public static IReadOnlyList<string> DefaultNotebooks(string root)
    {
        var dir = Path.Combine(root, "notebooks");
        return Directory.Exists(dir)
            ? Directory.GetFiles(dir, "0*-*.ipynb").Where(p => Path.GetFileName(p)[1] is >= '1' and <= '6').Order(StringComparer.Ordinal).ToList()
            : [];
    }

    // The newest runs/<yyyyMMdd-HHmmss> folder, or null when there is none.
    public static string? LatestRunFolder(string root)
    {
        var runs = Path.Combine(root, "runs");
        return Directory.Exists(runs)
            ? Directory.GetDirectories(runs).Where(d => System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(d), @"^\d{8}-\d{6}$")).Order(StringComparer.Ordinal).LastOrDefault()
            : null;
    }

    public static string NewRunFolder(string root) => Path.Combine(root, "runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));

    // Given to every notebook whose parameters cell declares them, and skipped where it does not, so
    // `--out DIR` puts the stage outputs in DIR/work for the main job and for chosen notebooks alike.
    public static IReadOnlyList<string> WorkspaceParameters { get; } = ["runConfig", "workDir"];

    // The main job's parameters: the run file and this run's work folder, absolute, plus extras.
    public static Dictionary<string, string> MainParameters(string runConfig, string outDir, IReadOnlyDictionary<string, string> extra)
    {
        // A --param runConfig=… or workDir=… of the user's own wins.
        var parameters = new Dictionary<string, string>(extra, StringComparer.Ordinal);
        parameters.TryAdd("runConfig", Path.GetFullPath(runConfig));
        parameters.TryAdd("workDir", Path.Combine(Path.GetFullPath(outDir), "work"));
        return parameters;
    }

    // skipComplete: a notebook whose executed copy in outDir ran the same code without error is not
    // run again, so a rerun into the same folder resumes at the first incomplete notebook.
    public static async Task<IReadOnlyList<NotebookRunResult>> RunAsync(IReadOnlyList<string> notebooks, IReadOnlyDictionary<string, string> parameters, string outDir, TextWriter log, bool skipComplete = false, CancellationToken cancel = default)
    {
        var clash = notebooks.GroupBy(n => Path.GetFileNameWithoutExtension(n), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null) throw new ArgumentException($"notebooks {string.Join(" and ", clash)} would write the same {clash.Key}.ipynb into {outDir}");
        var results = new List<NotebookRunResult>();
        Directory.CreateDirectory(outDir);
        try
        {
            foreach (var notebook in notebooks)
            {
                if (skipComplete && ExecutedCopy.Complete(notebook, parameters, outDir) is { } done)
                {
                    log.WriteLine($"run: {Path.GetFileName(notebook)} already complete in {outDir}, skipped");
                    results.Add(done);
                    continue;
                }
                log.WriteLine($"run: {notebook}");
                var result = await NotebookRunner.RunAsync(notebook, parameters, outDir, log, cancel);
                results.Add(result);
                log.WriteLine(result.Succeeded
                    ? $"run: {Path.GetFileName(notebook)} done in {result.Duration.TotalSeconds:F1} s -> {result.ReportPath}"
                    : $"run: {result.Error}");
                if (!result.Succeeded) break;
            }
        }
        finally
        {
            AtomicFile.WriteAllText(Path.Combine(outDir, "index.html"), IndexPage.Render(results, parameters, outDir));
        }
        return results;
    }
}
