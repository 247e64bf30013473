using System.CommandLine;
using Kohaku.Notebooks.Kernel;

namespace Kohaku.Cli.Verbs;

internal sealed class KernelVerb : IVerb
{
    public static Command Build()
    {
        // The arguments follow `dotnet-interactive stdio` (VS Code's kernelTransportArgs), so they
        // are taken raw and parsed by StdioOptions rather than declared here.
        var args = new Argument<string[]>("args") { Description = "[vscode] stdio [--kernel-host NAME] [--working-dir DIR] (dotnet-interactive's arguments)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("kernel", "The notebook kernel: `kohaku kernel stdio` speaks .NET Interactive's JSON-lines protocol on stdin/stdout, `kohaku kernel jupyter` the Jupyter protocol.") { args, Jupyter(), Install() };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async parse =>
        {
            var tokens = (parse.GetValue(args) ?? []).Concat(parse.UnmatchedTokens).ToList();
            if (!tokens.Contains("stdio"))
            {
                Console.Error.WriteLine("kernel: use `kohaku kernel stdio`, `kohaku kernel jupyter --connection-file F` or `kohaku kernel install`");
                return 2;
            }
            StdioOptions options;
            try { options = StdioOptions.Parse(tokens); }
            catch (ArgumentException e) { Console.Error.WriteLine(e.Message); return 2; }
            return await StdioHost.RunAsync(options, Console.OpenStandardInput(), Console.OpenStandardOutput());
        });
        return command;
    }

    private static Command Jupyter()
    {
        var connectionFile = new Option<string>("--connection-file") { Description = "The connection file the Jupyter client wrote ({connection_file} in kernel.json).", Required = true };
        var command = new Command("jupyter", "Speak the Jupyter messaging protocol over ZeroMQ (what `kohaku kernel install` registers). Requests nbclient sends (papermill, nbconvert --execute) run headless; KOHAKU_HEADLESS=1 forces it.") { connectionFile };
        // jupyter_client hands a console app's leftover arguments to the kernel (`jupyter run FILE`
        // passes FILE); they mean nothing here.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async parse =>
        {
            JupyterConnection connection;
            try { connection = JupyterConnection.Load(parse.GetValue(connectionFile)!); }
            catch (Exception e) when (e is ArgumentException or IOException or System.Text.Json.JsonException) { Console.Error.WriteLine(e.Message); return 2; }
            return await JupyterHost.RunAsync(connection);
        });
        return command;
    }

    private static Command Install()
    {
        var user = new Option<bool>("--user") { Description = "Into the user's Jupyter data dir (~/.local/share/jupyter/kernels); the default." };
        var prefix = new Option<string?>("--prefix") { Description = "Into PREFIX/share/jupyter/kernels (a virtual environment or conda prefix)." };
        var name = new Option<string>("--name") { Description = $"Kernelspec name. The default, {KernelSpec.Name}, is what the notebooks' metadata names and the one papermill has a C# translator for.", DefaultValueFactory = _ => KernelSpec.Name };
        var replace = new Option<bool>("--replace") { Description = "Replace a kernelspec of that name that another kernel (.NET Interactive's) installed." };
        var command = new Command("install", $"Register this build as a Jupyter kernel (display name \"C# (Kohaku)\").") { user, prefix, name, replace };
        command.SetAction(parse => BadInput.Guard("kernel install", () =>
        {
            var at = parse.GetValue(prefix);
            if (at is not null && parse.GetValue(user))
            {
                Console.Error.WriteLine("kernel install: give --user or --prefix, not both");
                return 2;
            }
            // The kernel is started as `dotnet kohaku.dll`: this host's dotnet when we run under it.
            var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
            var kernels = at is null ? KernelSpec.UserKernelsDir() : KernelSpec.PrefixKernelsDir(at);
            Console.WriteLine(KernelSpec.Install(kernels, dotnet, typeof(KernelVerb).Assembly.Location, Workspace.Root, parse.GetValue(name)!, parse.GetValue(replace)));
            return 0;
        }));
        return command;
    }
}
