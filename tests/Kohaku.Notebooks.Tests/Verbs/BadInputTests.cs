using Kohaku.Cli;

namespace Kohaku.Notebooks.Tests.Verbs;

// Damaged inputs end in one line naming what is wrong and exit code 1, never a stack trace.
[Collection("headless")]
public sealed class BadInputTests
{
    public static TheoryData<string, string[]> Cases() => new()
    {
        { "a zero-byte checkpoint", ["inspect", "{dir}/empty.safetensors"] },
        { "a folder as checkpoint", ["inspect", "{dir}"] },
        { "an unknown architecture", ["inspect", "--arch", "sd15"] },
        { "a missing file", ["inspect", "{dir}/missing.safetensors"] },
        { "a folder to compare", ["compare", "{dir}", "{dir}/empty.safetensors"] },
        { "a folder to merge", ["merge", "{dir}", "{dir}", "--weights", "0.5,0.5", "--out", "{dir}/merged.safetensors"] },
        { "a text file as database", ["select", "--db", "{dir}/text.db", "--plan", "delta-sample", "--out", "{dir}/ids.txt"] },
        { "a plan with null ranges", ["select", "--db", "{sample}", "--plan", "{dir}/null-ranges.json", "--out", "{dir}/ids.txt"] },
        { "a plan drawing 2^31 - 1", ["select", "--db", "{sample}", "--plan", "{dir}/huge-draws.json", "--out", "{dir}/ids.txt"] },
        { "a run file holding an array", ["select", "--config", "{dir}/array.json", "--out", "{dir}/ids.txt"] },
        { "a run file section typo", ["train", "--config", "{dir}/typo.json", "--work-dir", "{dir}/work"] },
        { "a run file holding null", ["train", "--config", "{dir}/null.json", "--work-dir", "{dir}/work"] },
        { "an id list of words", ["caption", "--db", "{sample}", "--ids", "{dir}/words.txt", "--out", "{dir}/captions.jsonl"] },
        { "a text file as database to caption", ["caption", "--db", "{dir}/text.db", "--ids", "{dir}/words.txt", "--out", "{dir}/captions.jsonl"] },
        { "a captions file of garbage", ["export", "--images", "{dir}", "--captions", "{dir}/words.txt", "--out", "{dir}/export"] },
        { "an id list of words to bucket", ["buckets", "assign", "--images", "{dir}", "--ids", "{dir}/words.txt", "--out", "{dir}/buckets.json"] },
        { "a zero-byte checkpoint to restore", ["restore-embeddings", "--from", "{dir}/empty.safetensors", "--into", "{dir}/empty.safetensors", "--out", "{dir}/restored.safetensors"] },
        { "a zero-byte base to bake", ["bake", "--base", "{dir}/empty.safetensors", "--lokr", "{dir}/empty.safetensors", "--out", "{dir}/baked.safetensors"] },
        { "an unknown LoKr preset", ["lokr", "plan", "--arch", "tiny", "--preset", "nonsense"] },
        { "a LoKr preset file with an unknown key", ["lokr", "plan", "--arch", "tiny", "--preset", "{dir}/typo.toml"] },
        { "a missing LoKr preset file", ["lokr", "plan", "--arch", "tiny", "--preset", "{dir}/missing.toml"] },
        { "a checkpoint path under a file", ["tiny-checkpoint", "--out", "{dir}/text.db/tiny.safetensors"] },
        { "a zero-byte checkpoint to generate from", ["generate", "--checkpoint", "{dir}/empty.safetensors", "--tokenizer", "{dir}", "--prompt", "1girl", "--out", "{dir}/x.png"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Verb_DamagedInput_OneLineAndExit1(string what, string[] args)
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(Path.Combine(temp.Path, "empty.safetensors"), []);
        File.WriteAllText(Path.Combine(temp.Path, "text.db"), "id,rating\n1,0\n");
        File.WriteAllText(Path.Combine(temp.Path, "null-ranges.json"), """{ "ranges": null }""");
        File.WriteAllText(Path.Combine(temp.Path, "huge-draws.json"), """{ "ranges": [ { "start": 0, "draws": 2147483647 } ] }""");
        File.WriteAllText(Path.Combine(temp.Path, "array.json"), "[1, 2, 3]");
        File.WriteAllText(Path.Combine(temp.Path, "null.json"), "null");
        File.WriteAllText(Path.Combine(temp.Path, "typo.json"), """{ "trian": { "maxSteps": 5 } }""");
        File.WriteAllText(Path.Combine(temp.Path, "words.txt"), "one\ntwo\n");
        File.WriteAllText(Path.Combine(temp.Path, "typo.toml"), "unet_target_modules = ['ResnetBlock2D']\n");
        var sample = Path.Combine(TestPaths.RepoRoot, "data", "sample", "danbooru.db");
        var error = new StringWriter();
        var previous = Console.Error;
        int exit;
        try
        {
            Console.SetError(error);
            exit = await KohakuCommand.InvokeAsync(args.Select(a => a.Replace("{dir}", temp.Path).Replace("{sample}", sample)).ToArray());
        }
        finally { Console.SetError(previous); }

        // Console.Error is process-wide: count only this verb's lines.
        // Verbs with subcommands name both ("buckets assign: …").
        var verb = args[0] is "buckets" or "lokr" ? $"{args[0]} {args[1]}" : args[0];
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith(verb + ": ", StringComparison.Ordinal)).ToList();
        Assert.Equal(1, exit);
        Assert.True(lines.Count == 1, $"{what}: {error}");
        Assert.DoesNotContain("   at ", error.ToString());
        Assert.DoesNotContain("Unhandled exception", error.ToString());
    }
}
