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
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Verb_DamagedInput_OneLineAndExit1(string what, string[] args)
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(Path.Combine(temp.Path, "empty.safetensors"), []);
        var error = new StringWriter();
        var previous = Console.Error;
        int exit;
        try
        {
            Console.SetError(error);
            exit = await KohakuCommand.InvokeAsync(args.Select(a => a.Replace("{dir}", temp.Path)).ToArray());
        }
        finally { Console.SetError(previous); }

        // Console.Error is process-wide: count only this verb's lines.
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith(args[0] + ": ", StringComparison.Ordinal)).ToList();
        Assert.Equal(1, exit);
        Assert.True(lines.Count == 1, $"{what}: {error}");
        Assert.DoesNotContain("   at ", error.ToString());
        Assert.DoesNotContain("Unhandled exception", error.ToString());
    }
}
