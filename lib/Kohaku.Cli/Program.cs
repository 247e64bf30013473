using Kohaku.Cli;

// The kernel speaks a protocol on stdout and help should stay short: everything else starts by
// saying which torch and device it computes on (on stderr, so piped output stays clean).
if (args.Length > 0 && args[0] is not ("kernel" or "--help" or "-h" or "-?" or "--version" or "env"))
    Console.Error.WriteLine($"kohaku: {Kohaku.Diffusion.TorchRuntime.Describe()}");
if (args.Length > 0 && args[0] is not ("--help" or "-h" or "-?" or "--version"))
    Kohaku.Diffusion.TorchRuntime.DisableNnpack();

return await KohakuCommand.InvokeAsync(args);
