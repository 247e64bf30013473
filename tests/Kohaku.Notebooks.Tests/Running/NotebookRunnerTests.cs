using System.Text.Json.Nodes;
using Kohaku.Notebooks.Running;

namespace Kohaku.Notebooks.Tests.Running;

// Headless runs share the process's working directory, so they run one class at a time.
[Collection("headless")]
public sealed class NotebookRunnerTests
{
    private static readonly Dictionary<string, string> None = [];

    [Fact]
    public async Task RunAsync_SecondCellThrows_StopsNamingCellAndKeepsFirstOutput()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var notebook = TestPaths.WriteNotebook(dir, "fails.ipynb",
            "Console.WriteLine(\"first ran\");",
            "md:# between",
            "throw new InvalidOperationException(\"boom\");",
            "Console.WriteLine(\"never\");");

        var result = await NotebookRunner.RunAsync(notebook, None, Path.Combine(dir, "out"), TextWriter.Null);

        Assert.False(result.Succeeded);
        Assert.Equal(3, result.FailedCell);
        Assert.Contains("fails.ipynb: cell 3 (throw new InvalidOperationException(\"boom\");) failed", result.Error);
        var cells = JsonNode.Parse(File.ReadAllText(result.ExecutedPath))!["cells"]!.AsArray();
        Assert.Contains("first ran", cells[0]!["outputs"]![0]!["text"]!.ToJsonString());
        Assert.Equal("error", (string?)cells[2]!["outputs"]![0]!["output_type"]);
        Assert.Equal("System.InvalidOperationException", (string?)cells[2]!["outputs"]![0]!["ename"]);
        Assert.Empty(cells[3]!["outputs"]!.AsArray());
        Assert.Contains("cell 3", File.ReadAllText(result.ReportPath));
    }

    [Fact]
    public async Task RunAsync_ChartCell_WritesHtmlFigureObjectAndTitleAndReportLoadingLocalPlotly()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var notebook = TestPaths.WriteNotebook(dir, "chart.ipynb",
            "using Kohaku.Notebooks.Charts;",
            "Chart.Bar(new[] { \"a\", \"b\" }, new[] { 1.0, 2.0 }, \"counts\", \"tag\", \"posts\")");
        var outDir = Path.Combine(dir, "out");

        var result = await NotebookRunner.RunAsync(notebook, None, outDir, TextWriter.Null);

        Assert.True(result.Succeeded, result.Error);
        var output = JsonNode.Parse(File.ReadAllText(result.ExecutedPath))!["cells"]![1]!["outputs"]![0]!;
        Assert.Equal("execute_result", (string?)output["output_type"]);
        var html = string.Concat(output["data"]!["text/html"]!.AsArray().Select(l => (string?)l));
        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains("\"type\":\"bar\"", html);
        // nbformat keeps *+json data as an object, which JupyterLab and VS Code draw offline.
        var figure = output["data"]!["application/vnd.plotly.v1+json"]!;
        Assert.Equal(("bar", "counts"), ((string?)figure["data"]![0]!["type"], (string?)figure["layout"]!["title"]!["text"]));
        Assert.Equal("counts (x: tag, y: posts)", string.Concat(output["data"]!["text/plain"]!.AsArray().Select(l => (string?)l)));
        var report = File.ReadAllText(result.ReportPath);
        Assert.Contains("<script type=\"text/javascript\" src=\"plotly.min.js\"></script>", report);
        Assert.Equal(Kohaku.Notebooks.Charts.PlotlyHtml.PlotlyJs, File.ReadAllText(Path.Combine(outDir, "plotly.min.js")));
        // The object-valued output reads back: a rerun into this folder may skip the notebook.
        Assert.NotNull(ExecutedCopy.Complete(notebook, None, outDir));
    }

    [Fact]
    public async Task RunAsync_ParametersOverridden_CellsSeeNewTypedValues()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var notebook = TestPaths.WriteNotebook(dir, "params.ipynb",
            "var name = \"a\";   // who\nvar epochs = 2;\nvar fast = false;",
            "$\"{name}:{epochs * 2}:{fast}\"");

        var result = await NotebookRunner.RunAsync(notebook, new Dictionary<string, string> { ["name"] = "b\"c", ["epochs"] = "5", ["fast"] = "true" }, Path.Combine(dir, "out"), TextWriter.Null);

        Assert.True(result.Succeeded, result.Error);
        var output = JsonNode.Parse(File.ReadAllText(result.ExecutedPath))!["cells"]![1]!["outputs"]![0]!;
        Assert.Equal("b\"c:10:True", string.Concat(output["data"]!["text/plain"]!.AsArray().Select(l => (string?)l)));
    }

    [Fact]
    public async Task RunAsync_UnknownParameter_ThrowsNamingIt()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var notebook = TestPaths.WriteNotebook(dir, "params.ipynb", "var epochs = 2;", "epochs");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => NotebookRunner.RunAsync(notebook, new Dictionary<string, string> { ["epoch"] = "5" }, Path.Combine(dir, "out"), TextWriter.Null));

        Assert.Contains("params.ipynb", e.Message);
        Assert.Contains("unknown parameter(s) epoch", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, "out", "params.ipynb")));
    }

    [Fact]
    public async Task RunAsync_Environment00_RunsHeadlessInNotebookFolderWithHeadline()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var notebook = Path.Combine(TestPaths.RepoRoot, "notebooks", "00-environment.ipynb");
        var before = Environment.CurrentDirectory;

        var result = await NotebookRunner.RunAsync(notebook, new Dictionary<string, string> { ["size"] = "3" }, dir, TextWriter.Null);

        Assert.True(result.Succeeded, result.Error);
        // Σ k² for k < 9.
        Assert.Contains(("trace of x·xᵀ", "204"), result.Headlines);
        var executed = File.ReadAllText(result.ExecutedPath);
        Assert.Contains(Path.GetDirectoryName(notebook)!, executed);
        Assert.Contains("10.1.0.0", executed);
        Assert.Equal(".net-csharp", (string?)JsonNode.Parse(executed)!["metadata"]!["kernelspec"]!["name"]);
        Assert.Equal(before, Environment.CurrentDirectory);
    }

    [Fact]
    public async Task RunAsync_Cancelled_FailsRunningCellWhichSeesCellCancellation()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var stopped = Path.Combine(dir, "stopped.txt");
        var notebook = TestPaths.WriteNotebook(dir, "cancel.ipynb",
            "Console.WriteLine(\"before\");",
            "// the runner logs this first line; the marker below only appears once the cell runs\nConsole.WriteLine(\"loop\" + \"ing\");\nwhile (!Cell.Cancellation.IsCancellationRequested) await Task.Delay(20);\nFile.WriteAllText(@\"" + stopped + "\", \"\");",
            "\"after\"");
        using var cancel = new CancellationTokenSource();

        var result = await NotebookRunner.RunAsync(notebook, None, Path.Combine(dir, "out"), new Watch("looping", cancel.Cancel), cancel.Token);

        Assert.Equal(2, result.FailedCell);
        var cells = JsonNode.Parse(File.ReadAllText(result.ExecutedPath))!["cells"]!.AsArray();
        Assert.Contains("Command cancelled.", cells[1]!["outputs"]!.ToJsonString());
        Assert.Empty(cells[2]!["outputs"]!.AsArray());
        for (var i = 0; i < 100 && !File.Exists(stopped); i++) await Task.Delay(50);
        Assert.True(File.Exists(stopped), "the cancelled cell never saw Cell.Cancellation");
    }

    [Fact]
    public async Task RunAsync_ProgressInCell_KeepsLastLineWithCountAndEchoesEveryLine()
    {
        using var temp = new TempFolder();
        var notebook = TestPaths.WriteNotebook(temp.Path, "progress.ipynb",
            "var progress = Progress.Create();\nfor (var i = 1; i <= 3; i++) progress.Report(new Kohaku.Data.StageProgress(\"steps\", i, 3));");
        var log = new StringWriter();

        var result = await NotebookRunner.RunAsync(notebook, None, Path.Combine(temp.Path, "out"), log);

        Assert.True(result.Succeeded, result.Error);
        var output = Assert.Single(JsonNode.Parse(File.ReadAllText(result.ExecutedPath))!["cells"]![0]!["outputs"]!.AsArray())!;
        Assert.Equal("display_data", (string?)output["output_type"]);
        var summary = string.Concat(output["data"]!["text/plain"]!.AsArray().Select(l => (string?)l));
        Assert.Equal("steps: 3/3 (100.0%), 0 s [2 updates]", summary);
        var echoed = log.ToString().Split('\n').Where(l => l.StartsWith("steps:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, echoed.Count);
        Assert.StartsWith("steps: 1/3 (33.3%)", echoed[0]);
        Assert.Equal(summary, echoed[1]);
    }

    // A log that calls back once when a marker is written (the runner echoes cell output to it).
    private sealed class Watch(string marker, Action onSeen) : StringWriter
    {
        private bool _seen;

        public override void Write(string? value)
        {
            base.Write(value);
            if (!_seen && value?.Contains(marker, StringComparison.Ordinal) == true) { _seen = true; onSeen(); }
        }
    }
}
