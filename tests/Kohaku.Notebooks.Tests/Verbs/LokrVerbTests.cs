using Kohaku.Cli;

namespace Kohaku.Notebooks.Tests.Verbs;

// `kohaku lokr plan --preset FILE.toml` lists what a LyCORIS preset file selects.
[Collection("headless")]
public sealed class LokrVerbTests
{
    private static async Task<(int Exit, string[] Lines)> Plan(string preset)
    {
        var output = new StringWriter();
        var previous = Console.Out;
        int exit;
        try
        {
            Console.SetOut(output);
            exit = await KohakuCommand.InvokeAsync(["lokr", "plan", "--arch", "tiny", "--preset", preset]);
        }
        finally { Console.SetOut(previous); }
        return (exit, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static string[] Table(string[] lines) => lines.Where(l => l.StartsWith("lora_", StringComparison.Ordinal)).ToArray();

    [Fact]
    public async Task Plan_PresetFile_ListsWhatItSelects()
    {
        using var temp = new TempFolder();
        var delta = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "data", "presets", "kohaku-xl-delta.toml"));
        var copy = Path.Combine(temp.Path, "copy.toml");
        File.WriteAllText(copy, delta);
        // An edited copy: feed-forward layers at factor 4 instead of 2.
        var edited = Path.Combine(temp.Path, "edited.toml");
        File.WriteAllText(edited, delta.Replace("[module_algo_map.FeedForward]\nalgo = 'lokr'\nfactor = 2", "[module_algo_map.FeedForward]\nalgo = 'lokr'\nfactor = 4", StringComparison.Ordinal));

        var (builtInExit, builtIn) = await Plan("kohaku-xl-delta");
        var (copyExit, copied) = await Plan(copy);
        var (editedExit, edits) = await Plan(edited);
        Assert.Equal((0, 0, 0), (builtInExit, copyExit, editedExit));
        Assert.Contains(copied, l => l.StartsWith($"# preset copy ({copy})", StringComparison.Ordinal));
        Assert.NotEmpty(Table(builtIn));
        Assert.Equal(Table(builtIn), Table(copied));

        var ff = Table(edits).Where(l => l.Contains("_ff_net_", StringComparison.Ordinal) && l.Contains("class Transformer2DModel/FeedForward", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(ff);
        Assert.All(ff, l => Assert.Contains("\tfactor 4\t", l));
        Assert.Equal(Table(builtIn).Length, Table(edits).Length);
    }
}
