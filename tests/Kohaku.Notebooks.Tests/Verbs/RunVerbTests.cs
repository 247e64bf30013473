using System.CommandLine;
using Kohaku.Cli.Verbs;

namespace Kohaku.Notebooks.Tests.Verbs;

[Collection("headless")]
public sealed class RunVerbTests
{
    private static Task<int> Run(params string[] args) => new RootCommand { RunVerb.Build() }.Parse(["run", .. args]).InvokeAsync();

    [Fact]
    public async Task Run_UnknownParam_Exits2WithoutOutputs()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var notebook = TestPaths.WriteNotebook(dir, "n.ipynb", "var epochs = 1;");
        Assert.Equal(2, await Run(notebook, "--param", "epoch=3", "--out", Path.Combine(dir, "out")));
        Assert.False(File.Exists(Path.Combine(dir, "out", "n.ipynb")));
    }

    [Fact]
    public async Task Run_FailingCell_Exits1AndWritesExecutedCopy()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var notebook = TestPaths.WriteNotebook(dir, "n.ipynb", "var epochs = 1;", "throw new Exception(\"x\");");
        Assert.Equal(1, await Run(notebook, "--out", Path.Combine(dir, "out")));
        Assert.True(File.Exists(Path.Combine(dir, "out", "n.ipynb")));
        Assert.True(File.Exists(Path.Combine(dir, "out", "n.html")));
    }

    [Fact]
    public async Task Run_NoNotebooks_RunsStageNotebooksWithRunConfigAndWorkDirIntoRunsFolder()
    {
        using var temp = new TempFolder();
        var root = temp.Path;
        var notebooks = Directory.CreateDirectory(Path.Combine(root, "notebooks")).FullName;
        TestPaths.WriteNotebook(notebooks, "01-first.ipynb",
            "var runConfig = \"../data/sample.run.json\";\nvar workDir = \"../runs/notebook\";",
            "Directory.CreateDirectory(workDir); File.WriteAllText(Path.Combine(workDir, \"seen.txt\"), runConfig);");
        TestPaths.WriteNotebook(notebooks, "00-environment.ipynb", "throw new Exception(\"not part of the main job\");");
        var config = Path.Combine(root, "my.run.json");
        File.WriteAllText(config, ValidRunFile());
        var previous = Environment.CurrentDirectory;
        int exit;
        try
        {
            Environment.CurrentDirectory = root;
            exit = await Run("--config", "my.run.json");
        }
        finally { Environment.CurrentDirectory = previous; }

        Assert.Equal(0, exit);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(root, "runs")));
        Assert.Matches(@"^\d{8}-\d{6}$", Path.GetFileName(run));
        Assert.Equal(config, File.ReadAllText(Path.Combine(run, "work", "seen.txt")));
        Assert.True(File.Exists(Path.Combine(run, "index.html")));
        Assert.True(File.Exists(Path.Combine(run, "01-first.html")));
        Assert.False(File.Exists(Path.Combine(run, "00-environment.ipynb")));
    }

    [Fact]
    public async Task Run_NoNotebooksAndBadRunFile_Exits2NamingEveryProblemBeforeAnyNotebook()
    {
        using var temp = new TempFolder();
        var root = temp.Path;
        var notebooks = Directory.CreateDirectory(Path.Combine(root, "notebooks")).FullName;
        TestPaths.WriteNotebook(notebooks, "01-first.ipynb", "var runConfig = \"x\";\nvar workDir = \"y\";");
        File.WriteAllText(Path.Combine(root, "bad.run.json"), """{ "select": { "db": "missing.db" }, "train": { "batchSize": 0 } }""");
        var previous = Environment.CurrentDirectory;
        var error = new StringWriter();
        var previousError = Console.Error;
        int exit;
        try
        {
            Environment.CurrentDirectory = root;
            Console.SetError(error);
            exit = await Run("--config", "bad.run.json");
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            Console.SetError(previousError);
        }

        Assert.Equal(2, exit);
        Assert.Contains("select.db: file not found", error.ToString());
        Assert.Contains("train.batchSize: 0", error.ToString());
        Assert.Contains("base.checkpoints", error.ToString());
        Assert.False(Directory.Exists(Path.Combine(root, "runs")));
    }

    // A run file every check passes: the repository's sample data, tiny base checkpoints by seed.
    private static string ValidRunFile()
    {
        var data = Path.Combine(TestPaths.RepoRoot, "data", "sample");
        return System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["select"] = new { db = Path.Combine(data, "danbooru.db"), plan = "delta-sample" },
            ["buckets"] = new { images = new[] { Path.Combine(data, "images") } },
            ["base"] = new { checkpoints = new[] { "tiny:1", "tiny:2" } },
            ["train"] = new { tokenizer = Path.Combine(data, "tokenizer") },
        });
    }
}
