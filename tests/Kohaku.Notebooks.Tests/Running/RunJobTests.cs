using Kohaku.Notebooks.Running;

namespace Kohaku.Notebooks.Tests.Running;

[Collection("headless")]
public sealed class RunJobTests
{
    [Fact]
    public void DefaultNotebooks_Folder_ListsStageNotebooks01To06Sorted()
    {
        using var temp = new TempFolder();
        var root = temp.Path;
        var dir = Directory.CreateDirectory(Path.Combine(root, "notebooks")).FullName;
        foreach (var name in new[] { "02-b.ipynb", "00-environment.ipynb", "01-a.ipynb", "06-z.ipynb", "07-extra.ipynb", "03-c.dib" })
            File.WriteAllText(Path.Combine(dir, name), "{}");

        Assert.Equal(["01-a.ipynb", "02-b.ipynb", "06-z.ipynb"], RunJob.DefaultNotebooks(root).Select(Path.GetFileName));
    }

    [Fact]
    public void MainParameters_RunFolder_PassesAbsoluteRunConfigAndWorkDir()
    {
        var p = RunJob.MainParameters("data/sample.run.json", "runs/x", new Dictionary<string, string> { ["steps"] = "3" });
        Assert.Equal(Path.GetFullPath("data/sample.run.json"), p["runConfig"]);
        Assert.Equal(Path.Combine(Path.GetFullPath("runs/x"), "work"), p["workDir"]);
        Assert.Equal("3", p["steps"]);
    }

    [Fact]
    public async Task RunAsync_TwoNotebooksSecondFails_IndexLinksBothWithHeadlines()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var ok = TestPaths.WriteNotebook(dir, "01-ok.ipynb", "var workDir = \"w\";", "Report.Headline(\"kept\", 42);");
        var bad = TestPaths.WriteNotebook(dir, "02-bad.ipynb", "var workDir = \"w\";", "throw new Exception(\"no\");");
        var never = TestPaths.WriteNotebook(dir, "03-never.ipynb", "var workDir = \"w\";");
        var outDir = Path.Combine(dir, "run");

        var results = await RunJob.RunAsync([ok, bad, never], new Dictionary<string, string> { ["workDir"] = "/tmp/w" }, outDir, TextWriter.Null);

        Assert.Equal(2, results.Count);
        Assert.Equal([("kept", "42")], results[0].Headlines);
        var index = File.ReadAllText(Path.Combine(outDir, "index.html"));
        Assert.Contains("<a href=\"01-ok.html\">report</a>", index);
        Assert.Contains("<td>kept</td><td>42</td>", index);
        Assert.Contains("02-bad.ipynb: cell 2", index);
        Assert.False(File.Exists(Path.Combine(outDir, "03-never.ipynb")));
    }

    [Fact]
    public async Task RunAsync_SkipCompleteSameParameters_ReusesExecutedCopyElseReruns()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var notebook = TestPaths.WriteNotebook(dir, "01-a.ipynb", "var x = 1;", "Report.Headline(\"x\", x);");
        var outDir = Path.Combine(dir, "run");
        var one = new Dictionary<string, string> { ["x"] = "1" };
        await RunJob.RunAsync([notebook], one, outDir, TextWriter.Null);
        var written = File.GetLastWriteTimeUtc(Path.Combine(outDir, "01-a.ipynb"));

        var again = await RunJob.RunAsync([notebook], one, outDir, TextWriter.Null, skipComplete: true);
        Assert.Equal(TimeSpan.Zero, again[0].Duration);
        Assert.Equal([("x", "1")], again[0].Headlines);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(outDir, "01-a.ipynb")));

        var changed = await RunJob.RunAsync([notebook], new Dictionary<string, string> { ["x"] = "2" }, outDir, TextWriter.Null, skipComplete: true);
        Assert.Equal([("x", "2")], changed[0].Headlines);
        Assert.NotEqual(TimeSpan.Zero, changed[0].Duration);
    }

    // `--out DIR` means the same for chosen notebooks as for the main job: workDir is DIR/work wherever
    // a notebook declares it, and a notebook that does not declare it still runs.
    [Fact]
    public async Task RunAsync_WorkspaceParameters_GoWhereDeclaredOnly()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var stage = TestPaths.WriteNotebook(dir, "01-stage.ipynb", "var workDir = \"../runs/notebook\";", "Report.Headline(\"workDir\", workDir);");
        var other = TestPaths.WriteNotebook(dir, "02-other.ipynb", "var n = 1;", "Report.Headline(\"n\", n);");
        var outDir = Path.Combine(dir, "run");

        var results = await RunJob.RunAsync([stage, other], RunJob.MainParameters(Path.Combine(dir, "x.run.json"), outDir, new Dictionary<string, string>()), outDir, TextWriter.Null);

        Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
        Assert.Equal([("workDir", Path.Combine(outDir, "work"))], results[0].Headlines);
        Assert.Equal([("n", "1")], results[1].Headlines);
    }

    // Papermill's rule: the cell tagged "parameters" takes them, wherever it is.
    [Fact]
    public async Task RunAsync_TaggedParametersCell_TakesTheParametersNotTheFirstCell()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var path = TestPaths.WriteNotebook(dir, "01-tagged.ipynb", "var greeting = \"hello\";", "var steps = 3;", "Report.Headline(\"steps\", steps);");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        json["cells"]![1]!["metadata"]!["tags"] = new System.Text.Json.Nodes.JsonArray("parameters");
        File.WriteAllText(path, json.ToJsonString());

        var results = await RunJob.RunAsync([path], new Dictionary<string, string> { ["steps"] = "20" }, Path.Combine(dir, "run"), TextWriter.Null);

        Assert.True(results[0].Succeeded, results[0].Error);
        Assert.Equal([("steps", "20")], results[0].Headlines);
    }

    [Fact]
    public async Task RunAsync_SameFileNameTwice_ThrowsBeforeRunning()
    {
        using var temp = new TempFolder();
        var a = TestPaths.WriteNotebook(Directory.CreateDirectory(Path.Combine(temp.Path, "a")).FullName, "n.ipynb", "1");
        var b = TestPaths.WriteNotebook(Directory.CreateDirectory(Path.Combine(temp.Path, "b")).FullName, "n.ipynb", "2");
        var e = await Assert.ThrowsAsync<ArgumentException>(() => RunJob.RunAsync([a, b], new Dictionary<string, string>(), Path.Combine(temp.Path, "out"), TextWriter.Null));
        Assert.Contains("would write the same n.ipynb", e.Message);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "out")));
    }
}
