using System.Diagnostics;
using System.Reactive.Linq;
using System.Text.Json.Nodes;
using Kohaku.Data.IO;
using Kohaku.Notebooks.Kernel;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;

namespace Kohaku.Notebooks.Running;

// Runs one notebook headless, in process, on the same kernel the VS Code host builds: every C#
// cell in order (the first code cell with parameters applied), in the notebook's folder so its
// relative paths work. Writes the executed .ipynb and an offline HTML report into outDir; stops at
// the first failing cell, keeping everything produced before it.
public static class NotebookRunner
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    // Cancelling `cancel` (Ctrl+C) cancels the running cell as VS Code's Stop does: the cell fails
    // (code that polls Cell.Cancellation stops) and what ran so far is still written.
    public static async Task<NotebookRunResult> RunAsync(string notebookPath, IReadOnlyDictionary<string, string> parameters, string outDir, TextWriter log, CancellationToken cancel = default)
    {
        var source = Path.GetFullPath(notebookPath);
        if (!File.Exists(source)) throw new FileNotFoundException($"notebook not found: {source}", source);
        var name = Path.GetFileNameWithoutExtension(source);
        var (executedPath, reportPath) = OutputPaths(source, outDir);
        if (string.Equals(executedPath, source, StringComparison.Ordinal))
            throw new ArgumentException($"{source}: --out would overwrite the notebook itself; choose another folder");

        var document = Load(source, parameters);

        // The working directory is process-wide, so headless notebooks run one at a time.
        await OneAtATime.WaitAsync();
        var previousDir = Environment.CurrentDirectory;
        var clock = Stopwatch.StartNew();
        int? failedCell = null;
        string? error = null;
        try
        {
            Environment.CurrentDirectory = Path.GetDirectoryName(source)!;
            using var kernel = await KohakuKernel.CreateAsync(KohakuKernel.HeadlessRootName);
            using var echo = kernel.KernelEvents.Subscribe(e => Echo(e, log));
            using var stop = cancel.Register(() => _ = kernel.SendAsync(new Cancel()));
            var order = 0;
            for (var i = 0; i < document.Elements.Count; i++)
            {
                var cell = document.Elements[i];
                if (!IsCode(cell)) continue;
                var firstLine = cell.Contents.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
                log.WriteLine($"[{name}] cell {i + 1}: {firstLine}");
                cell.ExecutionOrder = ++order;
                if (cell.KernelName != KohakuKernel.CSharpName && !KohakuKernel.CSharpAliases.Contains(cell.KernelName))
                {
                    cell.Outputs.Add(CellOutputs.Error($"the Kohaku kernel runs C# only; this cell is '{cell.KernelName}'"));
                    (failedCell, error) = (i + 1, $"{source}: cell {i + 1} ({firstLine}): kernel '{cell.KernelName}' is not available");
                    break;
                }
                if (cancel.IsCancellationRequested)
                {
                    (failedCell, error) = (i + 1, $"{source}: cancelled before cell {i + 1} ({firstLine})");
                    break;
                }
                var submit = new SubmitCode(cell.Contents, KohakuKernel.CSharpName);
                var result = await kernel.SendAsync(submit);
                var outputs = new CellOutputs();
                foreach (var e in result.Events) outputs.Add(e, order);
                cell.Outputs.AddRange(outputs.Outputs);
                if (result.Events.OfType<CommandFailed>().FirstOrDefault(f => f.Command == submit) is { } failed)
                {
                    (failedCell, error) = (i + 1, $"{source}: cell {i + 1} ({firstLine}) failed: {failed.Message.Split('\n')[0]}");
                    break;
                }
            }
        }
        finally
        {
            Environment.CurrentDirectory = previousDir;
            OneAtATime.Release();
        }

        var duration = clock.Elapsed;
        AtomicFile.WriteAllText(executedPath, ForJupyter(document.ToJupyterJson(null)));
        var run = new NotebookRunResult(source, executedPath, reportPath, duration, failedCell, error, Headlines(document.Elements));
        HtmlReport.Save(reportPath, HtmlReport.Render(document, run));
        return run;
    }

    // Live console: what cells print appears while they run, not only in the report, and so does
    // every state of a plain-text display updated in place (Progress), of which the report keeps
    // only the last.
    private static void Echo(KernelEvent e, TextWriter log)
    {
        if (e is StandardOutputValueProduced or StandardErrorValueProduced)
            log.Write(((DisplayEvent)e).FormattedValues.FirstOrDefault()?.Value);
        else if (e is DisplayedValueProduced or DisplayedValueUpdated && ((DisplayEvent)e).FormattedValues is { Count: 1 } values && values.First() is { MimeType: "text/plain" } text)
            log.WriteLine(text.Value);
    }

    // The notebook as it will run: parameters applied to its parameters cell, outputs cleared.
    internal static InteractiveDocument Load(string source, IReadOnlyDictionary<string, string> parameters)
    {
        var document = Notebook.Parse(File.ReadAllText(source), KernelInfos());
        var code = document.Elements.Where(IsCode).ToList();
        var cell = ParametersCell(code);
        // The workspace parameters (RunJob.WorkspaceParameters) go only where the cell declares them.
        var declared = cell is null ? [] : NotebookParameters.Names(cell.Contents);
        var own = parameters.Where(kv => !RunJob.WorkspaceParameters.Contains(kv.Key) || declared.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (own.Count > 0)
        {
            if (cell is null) throw new ArgumentException($"{source}: has no code cell to take parameters");
            try { cell.Contents = NotebookParameters.Apply(cell.Contents, own); }
            catch (ArgumentException e) { throw new ArgumentException($"{source}: {e.Message}", e); }
        }
        foreach (var c in code) { c.Outputs.Clear(); c.ExecutionOrder = 0; }
        return document;
    }

    // Papermill's rule: the code cell tagged "parameters"; without one, the first code cell.
    internal static InteractiveDocumentElement? ParametersCell(IReadOnlyList<InteractiveDocumentElement> code) =>
        code.FirstOrDefault(c => NotebookParameters.Tags(c.Metadata).Contains(NotebookParameters.Tag)) ?? code.FirstOrDefault();

    internal static IEnumerable<InteractiveDocumentElement> CodeToRun(string source, IReadOnlyDictionary<string, string> parameters) =>
        Load(Path.GetFullPath(source), parameters).Elements.Where(IsCode);

    internal static KernelInfoCollection KernelInfos()
    {
        var infos = new KernelInfoCollection { DefaultKernelName = KohakuKernel.CSharpName };
        infos.AddRange(
        [
        new KernelInfo(KohakuKernel.CSharpName, "C#", [.. KohakuKernel.CSharpAliases]),
        new KernelInfo("fsharp", "F#", ["f#", "F#"]),
        new KernelInfo("pwsh", "PowerShell", ["powershell"]),
        new KernelInfo("javascript", "JavaScript", ["js"]),
        new KernelInfo("html", "HTML", []),
        new KernelInfo("mermaid", "Mermaid", []),
        new KernelInfo("sql", "SQL", []),
        new KernelInfo("http", "HTTP", []),
        new KernelInfo("value", "Value", []),
        ]);
        return infos;
    }

    // What nbformat 4.5 asks and the Documents writer does not do: a cell id (cells without one are
    // numbered) and *+json output data as a JSON value (the writer splits every value into lines;
    // JupyterLab and VS Code read a Plotly figure only as an object).
    internal static string ForJupyter(string json)
    {
        var notebook = JsonNode.Parse(json)!;
        if (notebook["cells"] is JsonArray cells)
            for (var i = 0; i < cells.Count; i++)
            {
                if (cells[i] is not JsonObject cell) continue;
                if (!cell.ContainsKey("id")) cell["id"] = $"cell-{i + 1}";
                if (cell["outputs"] is not JsonArray outputs) continue;
                foreach (var data in outputs.Select(o => o?["data"]).OfType<JsonObject>())
                    foreach (var mime in data.Select(p => p.Key).Where(k => k.EndsWith("json", StringComparison.Ordinal)).ToList())
                        if (data[mime] is JsonArray lines) data[mime] = JsonNode.Parse(string.Concat(lines.Select(l => (string?)l)));
            }
        return notebook.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    internal static bool IsCode(InteractiveDocumentElement e) => e.KernelName is not ("markdown" or "md");

    // Where a run of `notebook` into outDir writes its executed copy and its report.
    internal static (string Executed, string Report) OutputPaths(string notebook, string outDir)
    {
        var executed = Path.Combine(Path.GetFullPath(outDir), Path.GetFileNameWithoutExtension(notebook) + ".ipynb");
        return (executed, Path.ChangeExtension(executed, ".html"));
    }

    // The headline figures the cells' HTML outputs carry (see Report).
    internal static List<(string Name, string Value)> Headlines(IEnumerable<InteractiveDocumentElement> cells) =>
        cells.SelectMany(c => c.Outputs).SelectMany(HtmlOf).SelectMany(Report.HeadlinesIn).ToList();

    internal static IEnumerable<string> HtmlOf(InteractiveDocumentOutputElement o) => o switch
    {
        DisplayElement d when d.Data.TryGetValue("text/html", out var h) => [HtmlReport.TextOf(h)],
        ReturnValueElement r when r.Data.TryGetValue("text/html", out var h) => [HtmlReport.TextOf(h)],
        _ => [],
    };
}
