using System.Text;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Connection;

namespace Kohaku.Notebooks.Kernel;

// `kohaku kernel stdio`: the JSON-lines protocol of `dotnet-interactive stdio` on our kernel.
public static class StdioHost
{
    // protocolOut is the raw stdout stream. The protocol gets its own synchronized writer (the host
    // forwards events fire-and-forget from several threads; an unsynchronized writer lost events),
    // and Console.Out is pointed at stderr so nothing printed outside a cell can corrupt the channel;
    // inside a cell the kernel still captures Console output as StandardOutputValueProduced.
    public static async Task<int> RunAsync(StdioOptions options, Stream protocolIn, Stream protocolOut)
    {
        var utf8 = new UTF8Encoding(false);
        var writer = TextWriter.Synchronized(new StreamWriter(protocolOut, utf8) { AutoFlush = true, NewLine = "\n" });
        Console.SetOut(Console.Error);
        if (options.WorkingDir is { } dir) Environment.CurrentDirectory = Path.GetFullPath(dir);

        var root = (await KohakuKernel.CreateAsync()).UseCodeExpansionInfos();
        var hostUri = options.KernelHost is { } name ? KernelHost.CreateHostUri(name) : KernelHost.CreateHostUriForCurrentProcessId();
        var sender = KernelCommandAndEventSender.FromTextWriter(writer, KernelHost.CreateHostUri("stdio"));
        var receiver = KernelCommandAndEventReceiver.FromTextReader(new StreamReader(protocolIn, utf8));
        var host = root.UseHost(sender, receiver, hostUri);
        var quit = new TaskCompletionSource();
        root.UseQuitCommand(() =>
        {
            host.Dispose();
            quit.TrySetResult();
            return Task.CompletedTask;
        });
        if (options.VSCode) await AddVSCodeProxiesAsync(root);

        await Task.WhenAny(host.ConnectAndWaitAsync(), quit.Task);
        root.Dispose();
        return 0;
    }

    // What the stock tool's VSCodeClientKernelExtension does (not a NuGet package): input prompts
    // and editable code go to VS Code, `#!js` cells to the webview.
    private static async Task AddVSCodeProxiesAsync(CompositeKernel root)
    {
        var vscode = await root.Host.ConnectProxyKernelOnDefaultConnectorAsync("vscode", new Uri("kernel://vscode"), ["frontend"]);
        vscode.KernelInfo.SupportedKernelCommands.Add(new(nameof(RequestInput)));
        vscode.KernelInfo.SupportedKernelCommands.Add(new(nameof(RequestInputs)));
        vscode.KernelInfo.SupportedKernelCommands.Add(new(nameof(SendEditableCode)));
        root.SetDefaultTargetKernelNameForCommand(typeof(RequestInput), "vscode");
        root.SetDefaultTargetKernelNameForCommand(typeof(RequestInputs), "vscode");
        root.SetDefaultTargetKernelNameForCommand(typeof(SendEditableCode), "vscode");

        var js = await root.Host.ConnectProxyKernelOnDefaultConnectorAsync("javascript", new Uri("kernel://webview/javascript"), ["js"]);
        js.KernelInfo.SupportedKernelCommands.Add(new(nameof(SubmitCode)));
        js.KernelInfo.SupportedKernelCommands.Add(new(nameof(RequestValue)));
        js.KernelInfo.SupportedKernelCommands.Add(new(nameof(RequestValueInfos)));
        js.KernelInfo.SupportedKernelCommands.Add(new(nameof(SendValue)));
        js.UseValueSharing();
    }
}
