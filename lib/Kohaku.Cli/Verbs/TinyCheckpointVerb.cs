using System.CommandLine;
using Kohaku.Diffusion.Sdxl;

namespace Kohaku.Cli.Verbs;

internal sealed class TinyCheckpointVerb : IVerb
{
    public static Command Build()
    {
        var seed = new Option<int>("--seed") { Description = "Initialisation seed; the same seed gives the same file.", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "The .safetensors file to write.", Required = true };
        var command = new Command("tiny-checkpoint", "Write a random tiny SDXL checkpoint in the real single-file layout.") { seed, output };
        command.SetAction(parse =>
        {
            var path = Path.GetFullPath(parse.GetValue(output)!);
            TinyCheckpoint.Create(path, parse.GetValue(seed));
            Console.WriteLine($"{path}: tiny SDXL, seed {parse.GetValue(seed)}, {new FileInfo(path).Length:N0} bytes");
            return 0;
        });
        return command;
    }
}
