using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kohaku.Notebooks.Tests.Kernel;

// Drives `kohaku kernel stdio` as VS Code does: a child process, JSON lines on stdin/stdout.
public sealed class StdioHostTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RunAsync_SubmitCode_EmitsStockEventSequenceOnValidJsonLines()
    {
        var golden = Golden();
        var lines = new List<string>();
        using var kernel = Start("--kernel-host", "kohaku-test", "--default-kernel", "csharp");

        var ready = JsonNode.Parse(await ReadLineAsync(kernel, lines))!;
        Assert.Equal("KernelReady", (string?)ready["eventType"]);
        var uris = ready["event"]!["kernelInfos"]!.AsArray().Select(k => (string?)k!["uri"]).ToList();
        Assert.Equal(["kernel://kohaku-test", "kernel://kohaku-test/csharp"], uris);

        // A background task that prints after its cell completed must not reach the protocol.
        Assert.Equal(["CodeSubmissionReceived", "CompleteCodeSubmissionReceived", "DiagnosticsProduced", "CommandSucceeded"],
            await SubmitAsync(kernel, lines, "t0", "_ = Task.Run(async () => { await Task.Delay(300); Console.WriteLine(\"late\"); });"));
        Assert.Equal(golden["\"hi\""], await SubmitAsync(kernel, lines, "t1", "\"hi\""));
        Assert.Equal(golden["Console.WriteLine(\"out\");"], await SubmitAsync(kernel, lines, "t2", "Console.WriteLine(\"out\");"));
        await Task.Delay(500);
        Assert.Equal("CommandFailed", (await SubmitAsync(kernel, lines, "t3", "throw new InvalidOperationException(\"boom\");"))[^1]);

        var failed = lines.Select(l => JsonNode.Parse(l)!).Last(e => (string?)e["eventType"] == "CommandFailed");
        Assert.StartsWith("System.InvalidOperationException: boom", (string?)failed["event"]!["message"]);
        var hi = lines.Select(l => JsonNode.Parse(l)!).Single(e => (string?)e["eventType"] == "ReturnValueProduced" && (string?)e["command"]!["token"] == "t1");
        Assert.Equal("hi", (string?)hi["event"]!["formattedValues"]![0]!["value"]);
        Assert.All(lines, l => JsonDocument.Parse(l).Dispose());
        await QuitAsync(kernel);
    }

    [Fact]
    public async Task RunAsync_ChartCell_ReturnsHtmlWithPlotlyFigureAndFSharpCore101()
    {
        var lines = new List<string>();
        using var kernel = Start("[vscode]", "--kernel-host", "charts");
        await ReadLineAsync(kernel, lines);
        await SubmitAsync(kernel, lines, "c1", "Kohaku.Notebooks.Charts.Chart.Line(new double[] { 1, 2, 3 }, new double[] { 3, 1, 2 }, \"t\")");
        await SubmitAsync(kernel, lines, "c2", "typeof(Microsoft.FSharp.Core.FSharpOption<int>).Assembly.GetName().Version.ToString()");
        var events = lines.Select(l => JsonNode.Parse(l)!).Where(e => (string?)e["eventType"] == "ReturnValueProduced").ToList();
        var chart = events.Single(e => (string?)e["command"]!["token"] == "c1")["event"]!["formattedValues"]![0]!;
        Assert.Equal("text/html", (string?)chart["mimeType"]);
        Assert.Contains("Plotly.newPlot", (string?)chart["value"]);
        var version = events.Single(e => (string?)e["command"]!["token"] == "c2")["event"]!["formattedValues"]![0]!;
        Assert.Equal("10.1.0.0", (string?)version["value"]);
        await QuitAsync(kernel);
    }

    [Fact]
    public async Task RunAsync_VSCodeDirective_RoutesInputToFrontendAndUpdatesProgressInPlace()
    {
        var lines = new List<string>();
        var dir = TestPaths.TempDir();
        using var kernel = Start("[vscode]", "--working-dir", dir);
        await ReadLineAsync(kernel, lines);

        var kinds = await SubmitAsync(kernel, lines, "v1", """
            var epochs = await Microsoft.DotNet.Interactive.Kernel.GetInputAsync("epochs?");
            var progress = Progress.Create();
            for (var i = 1; i <= 3; i++) progress.Report(new Kohaku.Data.StageProgress("steps", i, 3));
            epochs + "|" + Environment.CurrentDirectory
            """, input: "42");

        var events = lines.Select(l => JsonNode.Parse(l)!).Where(e => (string?)e["command"]?["token"] == "v1").ToList();
        var shown = events.Single(e => (string?)e["eventType"] == "DisplayedValueProduced")["event"]!;
        var updated = events.Single(e => (string?)e["eventType"] == "DisplayedValueUpdated")["event"]!;
        // One output updated in place: both events carry the same id (display(x).Update does not).
        Assert.Equal((string?)shown["valueId"], (string?)updated["valueId"]);
        Assert.StartsWith("steps: 1/3", (string?)shown["formattedValues"]![0]!["value"]);
        Assert.StartsWith("steps: 3/3 (100.0%)", (string?)updated["formattedValues"]![0]!["value"]);
        var result = events.Single(e => (string?)e["eventType"] == "ReturnValueProduced")["event"]!;
        Assert.Equal("42|" + dir, (string?)result["formattedValues"]![0]!["value"]);
        Assert.Equal("CommandSucceeded", kinds[^1]);
        await QuitAsync(kernel);
    }

    private static Dictionary<string, List<string>> Golden()
    {
        var result = new Dictionary<string, List<string>>();
        List<string>? current = null;
        foreach (var line in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Kernel", "golden", "submitcode-events.txt")))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal)) result[line[3..]] = current = [];
            else if (line.Length > 0 && !line.StartsWith('#')) current!.Add(line);
        }
        return result;
    }

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kohaku.dll"));
        info.ArgumentList.Add("kernel");
        foreach (var a in args.TakeWhile(a => a.StartsWith('['))) info.ArgumentList.Add(a);
        info.ArgumentList.Add("stdio");
        foreach (var a in args.SkipWhile(a => a.StartsWith('['))) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<string> ReadLineAsync(Process kernel, List<string> lines)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var line = await kernel.StandardOutput.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException("kernel closed stdout");
        lines.Add(line);
        return line;
    }

    // Sends one SubmitCode and returns the event kinds of that token until it completes.
    // A RequestInput the host sends to the frontend is answered with `input`, as VS Code does.
    private static async Task<List<string>> SubmitAsync(Process kernel, List<string> lines, string token, string code, string? input = null)
    {
        var envelope = new JsonObject { ["token"] = token, ["commandType"] = "SubmitCode", ["command"] = new JsonObject { ["code"] = code, ["targetKernelName"] = "csharp" }, ["routingSlip"] = new JsonArray() };
        await kernel.StandardInput.WriteLineAsync(envelope.ToJsonString());
        await kernel.StandardInput.FlushAsync();
        var kinds = new List<string>();
        while (true)
        {
            var e = JsonNode.Parse(await ReadLineAsync(kernel, lines))!;
            if (e["eventType"] is null && (string?)e["commandType"] == "RequestInput" && input is not null)
            {
                foreach (var (type, body) in new[] { ("InputProduced", new JsonObject { ["value"] = input }), ("CommandSucceeded", new JsonObject()) })
                    await kernel.StandardInput.WriteLineAsync(new JsonObject { ["event"] = body, ["eventType"] = type, ["command"] = e.DeepClone(), ["routingSlip"] = new JsonArray() }.ToJsonString());
                await kernel.StandardInput.FlushAsync();
                continue;
            }
            if ((string?)e["command"]?["token"] != token) continue;
            var kind = (string)e["eventType"]!;
            kinds.Add(kind);
            if (kind is "CommandSucceeded" or "CommandFailed") return kinds;
        }
    }

    private static async Task QuitAsync(Process kernel)
    {
        await kernel.StandardInput.WriteLineAsync("""{"token":"q","commandType":"Quit","command":{},"routingSlip":[]}""");
        await kernel.StandardInput.FlushAsync();
        using var cts = new CancellationTokenSource(Timeout);
        await kernel.WaitForExitAsync(cts.Token);
        Assert.Equal(0, kernel.ExitCode);
    }
}
