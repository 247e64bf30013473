using System.CommandLine;
using System.Reflection;
using Kohaku.Cli.Verbs;

namespace Kohaku.Cli;

// Every verb (one type per file in Verbs/, found by reflection) under one root command.
internal static class KohakuCommand
{
    public static RootCommand Build()
    {
        var root = new RootCommand("KohakuNotebooks: the Kohaku XL Δ training pipeline, stage by stage.");
        var verbs = typeof(IVerb).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && t.GetInterfaces().Contains(typeof(IVerb)))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (Command)t.GetMethod(nameof(IVerb.Build), BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null)!);
        foreach (var verb in verbs) root.Subcommands.Add(verb);
        return root;
    }

    // Long verbs (train, export, buckets, run) handle SIGINT/SIGTERM themselves (Verbs/StopSignals): they
    // finish the unit in progress and save; System.CommandLine's own handler would end them after a
    // timeout. Bad input in any verb, guarded or not, ends in one line and exit code 1 (Verbs/BadInput);
    // anything else is a bug and keeps its stack trace.
    public static async Task<int> InvokeAsync(string[] args)
    {
        try
        {
            return await Build().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (BadInput.Is(e))
        {
            Console.Error.WriteLine($"{(args.Length > 0 ? args[0] : "kohaku")}: {BadInput.Unwrap(e).Message}");
            return 1;
        }
    }
}
