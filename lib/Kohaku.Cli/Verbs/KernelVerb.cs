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
        var command = new Command("kernel", "The notebook kernel: `kohaku kernel stdio` speaks .NET Interactive's JSON-lines protocol on stdin/stdout.") { args };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async parse =>
        {
            var tokens = (parse.GetValue(args) ?? []).Concat(parse.UnmatchedTokens).ToList();
            if (!tokens.Contains("stdio"))
            {
                Console.Error.WriteLine("kernel: only `kohaku kernel stdio` is supported");
                return 2;
            }
            StdioOptions options;
            try { options = StdioOptions.Parse(tokens); }
            catch (ArgumentException e) { Console.Error.WriteLine(e.Message); return 2; }
            return await StdioHost.RunAsync(options, Console.OpenStandardInput(), Console.OpenStandardOutput());
        });
        return command;
    }
}
