using System.Text.Json.Nodes;

namespace Kohaku.Notebooks.Tests.Kernel;

// Drives `kohaku kernel stdio` as VS Code does: a child process, JSON lines on stdin/stdout.
public sealed class StdioHostTests(VSCodeKernelFixture fixture) : IClassFixture<VSCodeKernelFixture>
{
    private KernelProcess Kernel => fixture.Kernel;

    [Fact]
    public void RunAsync_KernelHostOption_ReadyListsKernelsUnderThatHost()
    {
        Assert.Equal("KernelReady", (string?)fixture.Ready["eventType"]);
        var uris = fixture.Ready["event"]!["kernelInfos"]!.AsArray().Select(k => (string?)k!["uri"]).ToList();
        Assert.Equal(["kernel://kohaku-test", "kernel://kohaku-test/csharp"], uris);
    }

    [Fact]
    public async Task RunAsync_SubmitCode_EmitsStockEventSequence()
    {
        var golden = Golden();
        Assert.Equal(golden["\"hi\""], await Kernel.SubmitAsync("g1", "\"hi\""));
        Assert.Equal(golden["Console.WriteLine(\"out\");"], await Kernel.SubmitAsync("g2", "Console.WriteLine(\"out\");"));
        Assert.Equal("hi", (string?)Kernel.EventsOf("g1", "ReturnValueProduced").Single()["event"]!["formattedValues"]![0]!["value"]);
        Assert.Equal("out\n", (string?)Kernel.EventsOf("g2", "StandardOutputValueProduced").Single()["event"]!["formattedValues"]![0]!["value"]);
    }

    [Fact]
    public async Task RunAsync_CellThrows_CommandFailedCarriesException()
    {
        Assert.Equal("CommandFailed", (await Kernel.SubmitAsync("f1", "throw new InvalidOperationException(\"boom\");"))[^1]);
        Assert.StartsWith("System.InvalidOperationException: boom", (string?)Kernel.EventsOf("f1", "CommandFailed").Single()["event"]!["message"]);
    }

    [Fact]
    public async Task RunAsync_BackgroundPrintAfterCell_NeverReachesProtocol()
    {
        await Kernel.SubmitAsync("b1", "_ = Task.Run(async () => { await Task.Delay(200); Console.WriteLine(\"late\"); });");
        await Task.Delay(600);
        // The next exchange still parses line by line (KernelProcess parses every stdout line).
        Assert.Equal("CommandSucceeded", (await Kernel.SubmitAsync("b2", "1 + 1"))[^1]);
        Assert.DoesNotContain(Kernel.Lines, e => e.ToJsonString().Contains("late", StringComparison.Ordinal) && (string?)e["command"]?["token"] == "b2");
    }

    [Fact]
    public async Task RunAsync_ChartCell_ReturnsHtmlPlotlyFigureAndTitleOnFSharpCore101()
    {
        await Kernel.SubmitAsync("c1", "Kohaku.Notebooks.Charts.Chart.Line(new double[] { 1, 2, 3 }, new double[] { 3, 1, 2 }, \"t\")");
        await Kernel.SubmitAsync("c2", "typeof(Microsoft.FSharp.Core.FSharpOption<int>).Assembly.GetName().Version.ToString()");
        var chart = Kernel.EventsOf("c1", "ReturnValueProduced").Single()["event"]!["formattedValues"]!.AsArray();
        Assert.Equal(["text/html", "application/vnd.plotly.v1+json", "text/plain"], chart.Select(v => (string?)v!["mimeType"]));
        Assert.Contains("Plotly.newPlot", (string?)chart[0]!["value"]);
        Assert.Equal("t", (string?)JsonNode.Parse((string)chart[1]!["value"]!)!["layout"]!["title"]!["text"]);
        Assert.Equal("t", (string?)chart[2]!["value"]);
        Assert.Equal("10.1.0.0", (string?)Kernel.EventsOf("c2", "ReturnValueProduced").Single()["event"]!["formattedValues"]![0]!["value"]);
    }

    // What VS Code's "Connect subkernel" sends (to the root kernel, by its default name) and waits on.
    [Fact]
    public async Task RunAsync_RequestCodeExpansionInfos_RepliesWithEmptyList()
    {
        var kinds = await Kernel.SendAsync("x1", "RequestCodeExpansionInfos", new JsonObject { ["targetKernelName"] = ".NET" });

        Assert.Equal(["CodeExpansionInfosProduced", "CommandSucceeded"], kinds);
        Assert.Empty(Kernel.EventsOf("x1", "CodeExpansionInfosProduced").Single()["event"]!["codeExpansionInfos"]!.AsArray());
    }

    [Fact]
    public async Task RunAsync_VSCodeDirective_RoutesInputToFrontendAndUpdatesProgressInPlace()
    {
        var kinds = await Kernel.SubmitAsync("v1", """
            var epochs = await Microsoft.DotNet.Interactive.Kernel.GetInputAsync("epochs?");
            var progress = Progress.Create();
            for (var i = 1; i <= 3; i++) progress.Report(new Kohaku.Data.StageProgress("steps", i, 3));
            epochs + "|" + Environment.CurrentDirectory
            """, input: "42");

        Assert.Equal("CommandSucceeded", kinds[^1]);
        var shown = Kernel.EventsOf("v1", "DisplayedValueProduced").Single()["event"]!;
        var updated = Kernel.EventsOf("v1", "DisplayedValueUpdated").Single()["event"]!;
        // One output updated in place: both events carry the same id (display(x).Update does not).
        Assert.Equal((string?)shown["valueId"], (string?)updated["valueId"]);
        Assert.StartsWith("steps: 1/3", (string?)shown["formattedValues"]![0]!["value"]);
        Assert.StartsWith("steps: 3/3 (100.0%)", (string?)updated["formattedValues"]![0]!["value"]);
        Assert.Equal("42|" + fixture.WorkingDir, (string?)Kernel.EventsOf("v1", "ReturnValueProduced").Single()["event"]!["formattedValues"]![0]!["value"]);
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
}

public sealed class StdioHostQuitTests
{
    [Fact]
    public async Task RunAsync_Quit_ExitsZero()
    {
        using var kernel = new KernelProcess("stdio");
        Assert.Equal("KernelReady", (string?)(await kernel.ReadAsync())["eventType"]);
        Assert.Equal(0, await kernel.QuitAsync());
    }
}
