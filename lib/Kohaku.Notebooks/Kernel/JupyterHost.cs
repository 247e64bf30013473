using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.DotNet.Interactive;
using NetMQ;

namespace Kohaku.Notebooks.Kernel;

// `kohaku kernel jupyter --connection-file F`: the same kernel as `kohaku kernel stdio`, behind the
// Jupyter messaging protocol 5.3, for JupyterLab, VS Code's Jupyter extension, nbclient and papermill.
public sealed class JupyterHost
{
    // Set to 1 to run every cell headless, on the `kohaku run` path (Cell.IsHeadless). Without it a
    // request is headless when its client cannot answer input (allow_stdin false: nbclient, as
    // papermill and nbconvert --execute use it), so live outputs are not redrawn into a saved notebook.
    public const string HeadlessVariable = "KOHAKU_HEADLESS";

    private readonly JupyterSockets _sockets;
    private readonly JupyterExecution _execution;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private JupyterHost(JupyterSockets sockets)
    {
        _sockets = sockets;
        _execution = new JupyterExecution(sockets);
    }

    public static bool IsHeadless => Environment.GetEnvironmentVariable(HeadlessVariable) == "1";

    public static async Task<int> RunAsync(JupyterConnection connection)
    {
        using (var sockets = new JupyterSockets(connection, new JupyterWire(connection.Key)))
            await new JupyterHost(sockets).ServeAsync();
        NetMQConfig.Cleanup(block: true);
        return 0;
    }

    // The sockets answer before the kernel is composed (that takes seconds), so kernel_info and the
    // heartbeat keep a client's startup timeout from running out; requests that need the kernel wait.
    private async Task ServeAsync()
    {
        _sockets.Publish("status", new() { ["execution_state"] = "starting" }, null);
        var kernel = CreateKernelAsync();
        _ = WatchParentAsync();
        var shell = ServeAsync(_sockets.ShellRequests, JupyterChannel.Shell, kernel);
        var control = ServeAsync(_sockets.ControlRequests, JupyterChannel.Control, kernel);
        await await Task.WhenAny(_stopped.Task, shell, control);
        await _sockets.FlushAsync();
        (await kernel).Dispose();
    }

    private static async Task<CompositeKernel> CreateKernelAsync()
    {
        var root = await KohakuKernel.CreateAsync(IsHeadless ? KohakuKernel.HeadlessRootName : ".NET");
        JupyterExecution.RunCellsOffSchedulerThread(root);
        return root;
    }

    // Every request is framed by busy and idle on iopub: clients finish a request on its reply and
    // that idle, and jupyter_client's wait_for_ready needs iopub traffic to call the kernel ready.
    private async Task ServeAsync(ChannelReader<JupyterMessage> requests, JupyterChannel channel, Task<CompositeKernel> kernel)
    {
        await foreach (var request in requests.ReadAllAsync())
        {
            _sockets.Publish("status", new() { ["execution_state"] = "busy" }, request);
            // A request that throws is logged and the kernel serves on; only a kernel that failed
            // to compose ends the process.
            try { await HandleAsync(request, channel, kernel); }
            catch (Exception e) when (!kernel.IsFaulted) { Console.Error.WriteLine($"kernel jupyter: {request.MsgType} failed: {e}"); }
            finally { _sockets.Publish("status", new() { ["execution_state"] = "idle" }, request); }
            if (request.MsgType == "shutdown_request") _stopped.TrySetResult();
        }
    }

    // A client that ends without shutdown_request (a crash, `jupyter run` exiting) would leave the
    // kernel running for nobody; like ipykernel, it ends once the process that started it is gone.
    private async Task WatchParentAsync()
    {
        if (!OperatingSystem.IsLinux()) return;
        var parent = getppid();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync() && getppid() == parent) { }
        Console.Error.WriteLine("kernel jupyter: the process that started the kernel is gone; exiting");
        _stopped.TrySetResult();
    }

    [DllImport("libc.so.6")] private static extern int getppid();

    private async Task HandleAsync(JupyterMessage request, JupyterChannel channel, Task<CompositeKernel> kernel)
    {
        var content = request.Content;
        var code = (string?)content["code"] ?? "";
        var cursor = (int?)content["cursor_pos"] ?? code.Length;
        void Reply(string msgType, JsonObject reply) => _sockets.Reply(channel, request, msgType, reply);
        switch (request.MsgType)
        {
            case "kernel_info_request": Reply("kernel_info_reply", KernelInfo()); break;
            case "execute_request": await _execution.RunAsync(await kernel, request); break;
            case "complete_request": Reply("complete_reply", await JupyterLanguage.CompleteAsync(await kernel, code, cursor)); break;
            case "inspect_request": Reply("inspect_reply", await JupyterLanguage.InspectAsync(await kernel, code, cursor)); break;
            case "is_complete_request": Reply("is_complete_reply", JupyterLanguage.IsComplete(code)); break;
            case "interrupt_request": await _execution.InterruptAsync(kernel); Reply("interrupt_reply", new() { ["status"] = "ok" }); break;
            case "shutdown_request": Reply("shutdown_reply", new() { ["status"] = "ok", ["restart"] = (bool?)content["restart"] ?? false }); break;
            // No comms (widgets) and no stored history: empty answers tell clients so.
            case "comm_info_request": Reply("comm_info_reply", new() { ["status"] = "ok", ["comms"] = new JsonObject() }); break;
            case "history_request": Reply("history_reply", new() { ["status"] = "ok", ["history"] = new JsonArray() }); break;
            default: Console.Error.WriteLine($"kernel jupyter: ignored a {request.MsgType}"); break;
        }
    }

    private static JsonObject KernelInfo() => new()
    {
        ["status"] = "ok",
        ["protocol_version"] = JupyterWire.ProtocolVersion,
        ["implementation"] = "kohaku",
        ["implementation_version"] = typeof(JupyterHost).Assembly.GetName().Version?.ToString() ?? "",
        // JupyterLab picks its C# highlighting by "C#", csharp or text/x-csharp.
        ["language_info"] = new JsonObject
        {
            ["name"] = "C#",
            ["version"] = LanguageVersion.Latest.MapSpecifiedToEffectiveVersion().ToDisplayString(),
            ["mimetype"] = "text/x-csharp",
            ["file_extension"] = ".cs",
            ["pygments_lexer"] = "csharp",
        },
        ["banner"] = $"Kohaku C# kernel (.NET Interactive, C#-only){(IsHeadless ? ", headless" : "")}",
        ["help_links"] = new JsonArray(),
    };
}
