using System.Diagnostics;
using System.Text.Json.Nodes;
using Kohaku.Notebooks.Kernel;

namespace Kohaku.Notebooks.Tests.Kernel;

// `kohaku kernel install --prefix` then jupyter_client (Debian's python3-jupyter-client, which
// scripts/setup-native.sh installs) starting the kernel from that kernelspec and driving it over
// ZeroMQ: Kernel/jupyter_client_check.py does the talking and writes a summary asserted here.
[Collection("headless")]
public sealed class JupyterHostTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task RunAsync_JupyterClient_ServesKernelFromInstalledSpec()
    {
        using var folder = new TempFolder();
        var env = await InstallKernelAsync(folder);
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "share", "jupyter", "kernels", KernelSpec.Name, "kernel.json")))!;
        Assert.Equal([Kohaku, "kernel", "jupyter", "--connection-file", "{connection_file}"], spec["argv"]!.AsArray().Skip(1).Select(a => (string?)a));
        Assert.Equal("C# (Kohaku)", (string?)spec["display_name"]);
        Assert.Equal("AVX", (string?)spec["env"]!["ONEDNN_MAX_CPU_ISA"]);

        var summaryPath = Path.Combine(folder.Path, "summary.json");
        var script = Path.Combine(AppContext.BaseDirectory, "Kernel", "jupyter_client_check.py");
        var (exit, output) = await RunAsync(Python(), [script, summaryPath], folder.Path, env);
        Assert.True(exit == 0, output);
        var s = JsonNode.Parse(File.ReadAllText(summaryPath))!;

        Assert.Equal("message", (string?)s["interrupt_mode"]);
        AssertKernelInfo(s["kernel_info"]!);
        AssertExecute(s);
        AssertLanguageServices(s);
        AssertInterrupt(s);
        Assert.True((bool)s["heartbeat"]!);
        Assert.Equal("shutdown_reply", (string?)s["shutdown"]!["msg_type"]);
        Assert.True((bool)s["exited_after_shutdown"]!, output);
    }

    // papermill (Debian's python3-papermill) runs notebook 02 on the installed kernelspec with a parameter:
    // its injected cell follows the tagged parameters cell, the output notebook validates with nbformat,
    // and it holds the charts as Plotly JSON and the DataFrames as HTML tables.
    [Fact]
    public async Task Papermill_Notebook02WithParameters_RunsAndSavesPortableOutputs()
    {
        using var folder = new TempFolder();
        var env = await InstallKernelAsync(folder);
        var runFile = Path.Combine(TestPaths.RepoRoot, "data", "sample.run.json");
        var work = Path.Combine(folder.Path, "work");
        var (selected, selectOutput) = await RunAsync("dotnet", [Kohaku, "select", "--config", runFile, "--out", Path.Combine(work, "ids.txt")], folder.Path, []);
        Assert.True(selected == 0, selectOutput);

        var output = Path.Combine(folder.Path, "02-out.ipynb");
        var (exit, log) = await RunAsync(Python(), ["-m", "papermill", Path.Combine(TestPaths.RepoRoot, "notebooks", "02-tags-and-quality.ipynb"), output,
            "-k", KernelSpec.Name, "-p", "runConfig", runFile, "-p", "workDir", work], folder.Path, env);
        Assert.True(exit == 0, log);
        var (valid, validation) = await RunAsync(Python(), ["-c", "import nbformat, sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print('valid')", output], folder.Path, []);
        Assert.True(valid == 0, validation);

        var notebook = JsonNode.Parse(File.ReadAllText(output))!;
        var code = notebook["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code").ToList();
        static IEnumerable<string?> Tags(JsonNode? cell) => cell!["metadata"]?["tags"]?.AsArray().Select(t => (string?)t) ?? [];
        Assert.Contains("parameters", Tags(code[0]));
        Assert.Contains("injected-parameters", Tags(code[1]));
        Assert.Contains($"var workDir = \"{work}\";", Text(code[1]!["source"]));
        var data = code.SelectMany(c => c!["outputs"]!.AsArray()).Select(o => o!["data"]).OfType<JsonObject>().ToList();
        var figure = data.Select(d => d["application/vnd.plotly.v1+json"]).OfType<JsonObject>().First();
        Assert.NotEmpty(figure["data"]!.AsArray());
        Assert.NotNull(figure["layout"]!["title"]);
        Assert.Contains(data, d => Text(d["text/html"]).Contains("<table", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(work, "captions.jsonl")));
    }

    // nbformat stores multi-line text as a list of lines or as one string.
    private static string Text(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        JsonValue value => (string?)value ?? "",
        _ => "",
    };

    private static readonly string Kohaku = Path.Combine(AppContext.BaseDirectory, "kohaku.dll");

    // `kohaku kernel install --prefix` into the folder; the environment that makes Jupyter find that spec.
    private static async Task<Dictionary<string, string>> InstallKernelAsync(TempFolder folder)
    {
        var (installed, output) = await RunAsync("dotnet", [Kohaku, "kernel", "install", "--prefix", folder.Path], folder.Path, []);
        Assert.True(installed == 0, output);
        return new Dictionary<string, string>
        {
            ["JUPYTER_PATH"] = Path.Combine(folder.Path, "share", "jupyter"),
            ["JUPYTER_RUNTIME_DIR"] = Path.Combine(folder.Path, "runtime"),
        };
    }

    private static void AssertKernelInfo(JsonNode info)
    {
        var c = info["content"]!;
        Assert.Equal("5.3", (string?)c["protocol_version"]);
        Assert.Equal("kohaku", (string?)c["implementation"]);
        Assert.Equal(["C#", "text/x-csharp", ".cs"], new[] { "name", "mimetype", "file_extension" }.Select(k => (string?)c["language_info"]![k]));
        // Busy and idle frame even a kernel_info request (jupyter_client's wait_for_ready needs them).
        Assert.Equal(["status", "status"], Types(info));
    }

    private static void AssertExecute(JsonNode s)
    {
        var execute = s["execute"]!;
        Assert.Equal(["status", "execute_input", "stream", "execute_result", "status"], Types(execute));
        Assert.Equal(["busy", "idle"], Of(execute, "status").Select(m => (string?)m["execution_state"]));
        Assert.Equal("out\n", (string?)Of(execute, "stream").Single()["text"]);
        Assert.Equal("42", (string?)Of(execute, "execute_result").Single()["data"]!["text/plain"]);
        Assert.Equal(1, (int)execute["content"]!["execution_count"]!);

        // The progress display is one output updated in place, live while a client watches.
        var progress = s["progress"]!;
        var shown = Of(progress, "display_data").Single();
        var updated = Of(progress, "update_display_data").Single();
        Assert.Equal((string?)shown["transient"]!["display_id"], (string?)updated["transient"]!["display_id"]);
        Assert.StartsWith("steps: 1/3", (string?)shown["data"]!["text/plain"]);
        Assert.StartsWith("steps: 3/3 (100.0%)", (string?)updated["data"]!["text/plain"]);
        Assert.Equal("False", (string?)Of(progress, "execute_result").Single()["data"]!["text/plain"]);
        // nbclient's allow_stdin false makes that request headless; KOHAKU_HEADLESS=1 makes every one.
        Assert.Equal("True", (string?)Of(s["nbclient_progress"]!, "execute_result").Single()["data"]!["text/plain"]);
        Assert.Equal("True", (string?)Of(s["headless_progress"]!, "execute_result").Single()["data"]!["text/plain"]);

        var thrown = s["throw"]!;
        Assert.Equal(["error", "InvalidOperationException", "boom"], new[] { "status", "ename", "evalue" }.Select(k => (string?)thrown["content"]![k]));
        Assert.Equal("boom", (string?)Of(thrown, "error").Single()["evalue"]);
        Assert.StartsWith("System.InvalidOperationException: boom", (string?)thrown["content"]!["traceback"]![0]);
        var compile = s["compile_error"]!["content"]!;
        Assert.Equal("CompilationError", (string?)compile["ename"]);
        Assert.Contains("CS0103", (string?)compile["evalue"]);
    }

    private static void AssertLanguageServices(JsonNode s)
    {
        // `var s = "😀é";\ns.Len`: "Len" starts at code point 16 (UTF-16 offset 17) and ends at 19.
        var complete = s["complete"]!["content"]!;
        Assert.Contains("Length", complete["matches"]!.AsArray().Select(m => (string?)m));
        Assert.Equal([16, 19], new[] { "cursor_start", "cursor_end" }.Select(k => (int)complete[k]!));

        var inspect = s["inspect"]!["content"]!;
        Assert.True((bool)inspect["found"]!);
        Assert.Contains("Console.WriteLine", (string?)inspect["data"]!["text/plain"]);

        Assert.Equal("incomplete", (string?)s["is_complete_open"]!["content"]!["status"]);
        Assert.Equal("complete", (string?)s["is_complete_done"]!["content"]!["status"]);
        Assert.Empty(s["comm_info"]!["content"]!["comms"]!.AsObject());
        Assert.Empty(s["history"]!["content"]!["history"]!.AsArray());
    }

    private static void AssertInterrupt(JsonNode s)
    {
        Assert.Equal("ok", (string?)s["interrupt"]!["content"]!["status"]);
        Assert.Equal(["status", "status"], Types(s["interrupt"]!));
        var cell = s["cell"]!["content"]!;
        Assert.Equal(["error", "OperationCanceledException"], new[] { "status", "ename" }.Select(k => (string?)cell[k]));
        // The kernel takes the next cell; five cells before it stored history.
        var after = s["after"]!;
        Assert.Equal("ok", (string?)after["content"]!["status"]);
        Assert.Equal(7, (int)after["content"]!["execution_count"]!);
        Assert.Equal("2", (string?)Of(after, "execute_result").Single()["data"]!["text/plain"]);
    }

    private static List<string> Types(JsonNode request) => [.. request["iopub"]!.AsArray().Select(m => (string)m!["msg_type"]!)];

    private static IEnumerable<JsonNode> Of(JsonNode request, string msgType) =>
        request["iopub"]!.AsArray().Where(m => (string?)m!["msg_type"] == msgType).Select(m => m!["content"]!);

    // Debian's jupyter-client belongs to the system interpreter; a pyenv or venv python3 first on
    // PATH does not see it.
    private static string Python() => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] args, string workingDir, Dictionary<string, string> env)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDir };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (key, value) in env) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        return (process.ExitCode, $"{file} {string.Join(' ', args)}\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
    }
}
