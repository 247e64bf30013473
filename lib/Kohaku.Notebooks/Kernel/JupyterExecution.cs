using System.Reactive.Linq;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace Kohaku.Notebooks.Kernel;

// execute_request and interrupt_request: a cell is one SubmitCode, and the kernel events of that
// command become iopub messages while it runs, so long cells stream their output.
internal sealed class JupyterExecution(JupyterSockets sockets)
{
    private int _executionCount;
    private volatile bool _interrupted;

    public async Task RunAsync(CompositeKernel root, JupyterMessage request)
    {
        var code = (string?)request.Content["code"] ?? "";
        var silent = (bool?)request.Content["silent"] ?? false;
        // nbclient (papermill, nbconvert --execute) asks with allow_stdin false, the interactive
        // clients (JupyterLab, VS Code, jupyter console) with true: no one watches a headless run's
        // live outputs, and its saved notebook should hold the final state, not every redraw.
        Cell.ClientHeadless = (bool?)request.Content["allow_stdin"] == false;
        if (!silent && ((bool?)request.Content["store_history"] ?? true)) _executionCount++;
        if (!silent) sockets.Publish("execute_input", new() { ["code"] = code, ["execution_count"] = _executionCount }, request);

        _interrupted = false;
        var command = new SubmitCode(code);
        var token = command.GetOrCreateToken();
        // Child commands (the C# kernel's share of a split cell) carry the cell's token as prefix.
        using var outputs = silent ? null : root.KernelEvents
            .Where(e => e.Command.GetOrCreateToken() is var t && (t == token || t.StartsWith(token + ".", StringComparison.Ordinal)))
            .Subscribe(e => Publish(e, request));
        var result = await root.SendAsync(command);

        if (result.Events.OfType<CommandFailed>().FirstOrDefault(f => f.Command == command) is not { } failed)
        {
            sockets.Reply(JupyterChannel.Shell, request, "execute_reply", new() { ["status"] = "ok", ["execution_count"] = _executionCount, ["payload"] = new JsonArray(), ["user_expressions"] = new JsonObject() });
            return;
        }
        // nbclient fails the cell from the reply but saves only the iopub error, so both are sent.
        var error = Error(failed, _interrupted);
        if (!silent) sockets.Publish("error", (JsonObject)error.DeepClone(), request);
        error["status"] = "error";
        error["execution_count"] = _executionCount;
        sockets.Reply(JupyterChannel.Shell, request, "execute_reply", error);
    }

    // .NET Interactive starts a cell on its scheduler's one thread, and C# that never awaits keeps
    // that thread: after an interrupt the cell fails, yet no later cell could start. Started on the
    // thread pool, a cell leaves the scheduler free; a loop that ignores Cell.Cancellation spins on
    // alone until the kernel exits.
    public static void RunCellsOffSchedulerThread(CompositeKernel root) =>
        root.AddMiddleware(async (command, context, next) =>
        {
            if (command is SubmitCode) await Task.Run(() => next(command, context));
            else await next(command, context);
        });

    // Cancel fails the running command and moves the scheduler on to the next one.
    public async Task InterruptAsync(Task<CompositeKernel> kernel)
    {
        if (!kernel.IsCompletedSuccessfully) return;
        _interrupted = true;
        await kernel.Result.SendAsync(new Cancel());
    }

    private void Publish(KernelEvent e, JupyterMessage request)
    {
        switch (e)
        {
            case StandardOutputValueProduced output:
                sockets.Publish("stream", new() { ["name"] = "stdout", ["text"] = PlainText(output) }, request);
                break;
            case StandardErrorValueProduced error:
                sockets.Publish("stream", new() { ["name"] = "stderr", ["text"] = PlainText(error) }, request);
                break;
            case ErrorProduced error:
                sockets.Publish("stream", new() { ["name"] = "stderr", ["text"] = error.Message + "\n" }, request);
                break;
            // A cell ending in display(x) returns the DisplayedValue it already showed.
            case ReturnValueProduced { Value: not DisplayedValue } value:
                sockets.Publish("execute_result", new() { ["execution_count"] = _executionCount, ["data"] = MimeBundle(value), ["metadata"] = new JsonObject() }, request);
                break;
            // Progress.Create and Cell.DisplayInPlace update one output in place: its value id is
            // the display_id that update_display_data names.
            case DisplayedValueProduced shown:
                sockets.Publish("display_data", Display(shown), request);
                break;
            case DisplayedValueUpdated updated:
                sockets.Publish("update_display_data", Display(updated), request);
                break;
        }
    }

    private static JsonObject Display(DisplayEvent e) => new()
    {
        ["data"] = MimeBundle(e),
        ["metadata"] = new JsonObject(),
        ["transient"] = new JsonObject { ["display_id"] = e.ValueId ?? Guid.NewGuid().ToString() },
    };

    // The kernel formats objects as HTML only; a text/plain entry (the value's ToString) is what
    // jupyter console shows and what a notebook keeps as the text version. *+json values are
    // objects in a notebook, not strings.
    private static JsonObject MimeBundle(DisplayEvent e)
    {
        var data = new JsonObject();
        foreach (var value in e.FormattedValues)
            data[value.MimeType] = value.MimeType.EndsWith("json", StringComparison.Ordinal) ? ParseOrText(value.Value) : value.Value;
        if (!data.ContainsKey(PlainTextFormatter.MimeType) && e.Value?.ToString() is { } text) data[PlainTextFormatter.MimeType] = text;
        return data;
    }

    // This runs inside the kernel's event publishing, where a throw would break the cell.
    private static JsonNode? ParseOrText(string json)
    {
        try { return JsonNode.Parse(json); }
        catch (System.Text.Json.JsonException) { return json; }
    }

    private static string PlainText(DisplayEvent e) =>
        e.FormattedValues.FirstOrDefault(v => v.MimeType == PlainTextFormatter.MimeType)?.Value ?? e.Value?.ToString() ?? "";

    private static JsonObject Error(CommandFailed failed, bool interrupted)
    {
        var (name, value) = failed.Exception switch
        {
            null when interrupted => (nameof(OperationCanceledException), failed.Message),
            null => ("Error", failed.Message),
            // The message holds the compiler's diagnostics, the exception's own message does not.
            CodeSubmissionCompilationErrorException => ("CompilationError", failed.Message),
            var exception => (exception.GetType().Name, exception.Message),
        };
        var traceback = (failed.Exception is { } e and not CodeSubmissionCompilationErrorException ? e.ToString() : failed.Message).Split('\n');
        return new() { ["ename"] = name, ["evalue"] = value, ["traceback"] = new JsonArray([.. traceback.Select(line => (JsonNode?)line.TrimEnd('\r'))]) };
    }
}
