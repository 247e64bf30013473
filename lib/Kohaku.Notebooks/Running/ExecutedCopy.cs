using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;

namespace Kohaku.Notebooks.Running;

// Reading back an executed copy a previous run wrote, to decide whether a rerun may skip it.
public static class ExecutedCopy
{
    // The earlier result when outDir holds a complete run of this notebook with these parameters:
    // the same code (parameters applied) in every cell, every code cell executed, no error output.
    public static NotebookRunResult? Complete(string notebook, IReadOnlyDictionary<string, string> parameters, string outDir)
    {
        var (executed, report) = NotebookRunner.OutputPaths(notebook, outDir);
        if (!File.Exists(executed) || !File.Exists(report)) return null;
        InteractiveDocument document;
        try { document = Notebook.Parse(File.ReadAllText(executed), NotebookRunner.KernelInfos()); }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException) { return null; }
        var code = document.Elements.Where(NotebookRunner.IsCode).ToList();
        if (code.Any(c => c.ExecutionOrder <= 0 || c.Outputs.OfType<ErrorElement>().Any())) return null;
        if (!code.Select(c => c.Contents).SequenceEqual(NotebookRunner.CodeToRun(notebook, parameters).Select(c => c.Contents))) return null;
        return new NotebookRunResult(Path.GetFullPath(notebook), executed, report, TimeSpan.Zero, null, null, NotebookRunner.Headlines(code));
    }
}
