using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Kohaku.Notebooks.Tests.Kernel;

// `kohaku kernel stdio` as a child process, driven the way VS Code drives it: JSON lines on
// stdin, every stdout line parsed as an envelope (a stray line fails the parse).
internal sealed class KernelProcess : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly System.Text.StringBuilder _stderr = new();

    public List<JsonNode> Lines { get; } = [];

    public KernelProcess(params string[] args)
    {
        // A fixed working directory: tests in other classes point this process's current directory at temp
        // folders they delete, and a kernel started there fails its first getcwd.
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "kohaku.dll"), "kernel", .. args]) info.ArgumentList.Add(a);
        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
    }

    // What the kernel wrote to stderr so far, for failure messages.
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public async Task<JsonNode> ReadAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var line = await _process.StandardOutput.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException($"kernel closed stdout; its stderr:\n{Stderr}");
        var node = JsonNode.Parse(line)!;
        Lines.Add(node);
        return node;
    }

    public async Task WriteAsync(JsonNode envelope)
    {
        await _process.StandardInput.WriteLineAsync(envelope.ToJsonString());
        await _process.StandardInput.FlushAsync();
    }

    // Sends one SubmitCode and returns the event kinds of that token until it completes. A
    // RequestInput the host sends to the frontend is answered with `input`, as VS Code does.
    public Task<List<string>> SubmitAsync(string token, string code, string? input = null) =>
        SendAsync(token, "SubmitCode", new JsonObject { ["code"] = code, ["targetKernelName"] = "csharp" }, input);

    public async Task<List<string>> SendAsync(string token, string commandType, JsonObject command, string? input = null)
    {
        await _gate.WaitAsync();
        try
        {
            await WriteAsync(new JsonObject { ["token"] = token, ["commandType"] = commandType, ["command"] = command, ["routingSlip"] = new JsonArray() });
            var kinds = new List<string>();
            while (true)
            {
                var e = await ReadAsync();
                if (e["eventType"] is null && (string?)e["commandType"] == "RequestInput" && input is not null)
                {
                    foreach (var (type, body) in new[] { ("InputProduced", new JsonObject { ["value"] = input }), ("CommandSucceeded", new JsonObject()) })
                        await WriteAsync(new JsonObject { ["event"] = body, ["eventType"] = type, ["command"] = e.DeepClone(), ["routingSlip"] = new JsonArray() });
                    continue;
                }
                if ((string?)e["command"]?["token"] != token) continue;
                var kind = (string)e["eventType"]!;
                kinds.Add(kind);
                if (kind is "CommandSucceeded" or "CommandFailed") return kinds;
            }
        }
        finally { _gate.Release(); }
    }

    public IEnumerable<JsonNode> EventsOf(string token, string kind) =>
        Lines.Where(e => (string?)e["command"]?["token"] == token && (string?)e["eventType"] == kind);

    public async Task<int> QuitAsync()
    {
        await WriteAsync(JsonNode.Parse("""{"token":"quit","commandType":"Quit","command":{},"routingSlip":[]}""")!);
        using var cts = new CancellationTokenSource(Timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { QuitAsync().Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}

// One kernel for the whole test class, started as VS Code starts it.
public sealed class VSCodeKernelFixture : IAsyncLifetime, IDisposable
{
    private readonly TempFolder _folder = new();
    internal KernelProcess Kernel { get; private set; } = null!;
    internal JsonNode Ready { get; private set; } = null!;
    public string WorkingDir => _folder.Path;

    public async Task InitializeAsync()
    {
        Kernel = new KernelProcess("[vscode]", "stdio", "--working-dir", _folder.Path, "--kernel-host", "kohaku-test", "--default-kernel", "csharp");
        Ready = await Kernel.ReadAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Kernel?.Dispose();
        _folder.Dispose();
    }
}
