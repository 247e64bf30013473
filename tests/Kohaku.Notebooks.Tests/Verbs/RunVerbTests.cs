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
        // Each kind of problem the check must catch before notebook 01 (issue: they used to pass it).
        File.WriteAllText(Path.Combine(root, "text.db"), "id,rating\n");
        File.WriteAllBytes(Path.Combine(root, "lokr.safetensors"), LokrOnlyFile());
        Directory.CreateDirectory(Path.Combine(root, "tok"));
        File.WriteAllText(Path.Combine(root, "tok", "vocab.json"), "");
        File.WriteAllText(Path.Combine(root, "tok", "merges.txt"), "");
        File.WriteAllText(Path.Combine(root, "bad.run.json"), """
            { "select": { "db": "text.db" },
              "base": { "checkpoints": ["lokr.safetensors", "missing.safetensors"] },
              "train": { "batchSize": 2147483647, "sampleWidth": 100000, "precision": "fp16", "tokenizer": "tok" } }
            """);
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
        var text = error.ToString();
        Assert.Contains($"select.db: {Path.Combine(root, "text.db")} is not an SQLite database", text);
        Assert.Contains($"base.checkpoints[0]: {Path.Combine(root, "lokr.safetensors")}: not a single-file SDXL checkpoint", text);
        Assert.Contains("it holds LoRA/LoKr keys: an adapter, not a base", text);
        Assert.Contains($"base.checkpoints[1]: file not found: {Path.Combine(root, "missing.safetensors")}", text);
        Assert.Contains("train.batchSize: 2147483647 must be in [1, 1024]", text);
        Assert.Contains("train.sampleWidth: 100000 must be a multiple of 8 in [64, 4096]", text);
        if (!TorchSharp.torch.cuda.is_available()) Assert.Contains("train.precision: fp16 needs a CUDA device", text);
        Assert.Contains($"train.tokenizer: empty file: {Path.Combine(root, "tok", "vocab.json")}", text);
        Assert.False(Directory.Exists(Path.Combine(root, "runs")));
    }

    // A LyCORIS-style file: one LoKr factor and no checkpoint keys.
    private static byte[] LokrOnlyFile()
    {
        var header = """{"lora_unet_input_blocks_1_0_in_layers_2.lokr_w1":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""";
        var bytes = System.Text.Encoding.UTF8.GetBytes(header.PadRight((header.Length + 7) / 8 * 8));
        return [.. BitConverter.GetBytes((ulong)bytes.Length), .. bytes, .. new byte[16]];
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
