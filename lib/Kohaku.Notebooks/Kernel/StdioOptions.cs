namespace Kohaku.Notebooks.Kernel;

// The `dotnet-interactive stdio` command line, so VS Code's kernelTransportArgs work unchanged:
// --kernel-host and --working-dir are honoured; --default-kernel (only csharp exists here),
// --http-port(-range), --log-path, --verbose and --preview are accepted and ignored; the
// [vscode] directive token adds the VS Code proxy kernels.
public sealed record StdioOptions(string? KernelHost = null, string? WorkingDir = null, bool VSCode = false)
{
    private static readonly string[] IgnoredWithValue = ["--default-kernel", "--http-port-range", "--http-port", "--log-path"];
    private static readonly string[] IgnoredFlags = ["--verbose", "--preview"];

    public static StdioOptions Parse(IReadOnlyList<string> args)
    {
        var options = new StdioOptions(VSCode: !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CODESPACES")));
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"kernel stdio: {arg} needs a value");
            if (arg.Equals("[vscode]", StringComparison.OrdinalIgnoreCase)) options = options with { VSCode = true };
            else if (arg is "[jupyter]" or "[synapse]" or "[vs]" or "stdio") { }
            else if (arg == "--kernel-host") options = options with { KernelHost = Value() };
            else if (arg == "--working-dir") options = options with { WorkingDir = Value() };
            else if (IgnoredWithValue.Contains(arg)) Value();
            else if (IgnoredFlags.Contains(arg)) { }
            else throw new ArgumentException($"kernel stdio: unknown argument '{arg}'");
        }
        return options;
    }
}
