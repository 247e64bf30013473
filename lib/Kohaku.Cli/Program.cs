using System.CommandLine;
using Kohaku.Cli.Verbs;

// One entry point for every stage. Each verb lives in Verbs/ and is thin: options → stage record → one library call → print.
var root = new RootCommand("KohakuNotebooks: the Kohaku XL Δ training pipeline, stage by stage.");
foreach (var verb in new Command[]
{
    EnvVerb.Build(),
})
{
    root.Subcommands.Add(verb);
}

return await root.Parse(args).InvokeAsync();
