using System.CommandLine;
using System.Reflection;
using Kohaku.Cli.Verbs;

var root = new RootCommand("KohakuNotebooks: the Kohaku XL Δ training pipeline, stage by stage.");
var verbs = typeof(IVerb).Assembly.GetTypes()
    .Where(t => t is { IsAbstract: false, IsInterface: false } && t.GetInterfaces().Contains(typeof(IVerb)))
    .OrderBy(t => t.Name, StringComparer.Ordinal)
    .Select(t => (Command)t.GetMethod(nameof(IVerb.Build), BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null)!);
foreach (var verb in verbs) root.Subcommands.Add(verb);

// The kernel speaks a protocol on stdout and help should stay short: everything else starts by
// saying which torch and device it computes on (on stderr, so piped output stays clean).
if (args.Length > 0 && args[0] is not ("kernel" or "--help" or "-h" or "-?" or "--version" or "env"))
    Console.Error.WriteLine($"kohaku: {Kohaku.Diffusion.TorchRuntime.Describe()}");

// Long verbs (train, export, buckets, run) handle SIGINT/SIGTERM themselves (Verbs/StopSignals): they
// finish the unit in progress and save. System.CommandLine's own handler would end them after a timeout.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
