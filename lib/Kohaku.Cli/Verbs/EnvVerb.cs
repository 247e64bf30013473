using System.CommandLine;
using Kohaku.Diffusion;

namespace Kohaku.Cli.Verbs;

internal sealed class EnvVerb : IVerb
{
    public static Command Build()
    {
        var command = new Command("env", "Print the .NET, torch and device this workspace runs on.");
        command.SetAction(_ =>
        {
            Console.WriteLine($".NET {Environment.Version} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
            Console.WriteLine(TorchRuntime.Describe());
            return 0;
        });
        return command;
    }
}
