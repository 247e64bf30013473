using System.CommandLine;
using Kohaku.Diffusion.Sdxl;

namespace Kohaku.Cli.Verbs;

internal sealed class RandomCheckpointVerb : IVerb
{
    public static Command Build()
    {
        var arch = new Option<string>("--arch") { Description = "sdxl (full size, 6.94 GB) or tiny.", DefaultValueFactory = _ => "sdxl" };
        var seed = new Option<long>("--seed") { Description = "Value seed; the same seed gives the same file.", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "The .safetensors file to write.", Required = true };
        var command = new Command("random-checkpoint",
            "Stream a checkpoint with an architecture's exact keys and shapes (fp16) and random values, for full-size rehearsals of merge, restore-embeddings and bake.")
            { arch, seed, output };
        command.SetAction(parse => BadInput.Guard("random-checkpoint", () =>
        {
            var config = SdxlConfig.ByName(parse.GetValue(arch)!);
            var path = Path.GetFullPath(parse.GetValue(output)!);
            RandomCheckpoint.Create(path, parse.GetValue(seed), config);
            Console.WriteLine($"{path}: random {config.Name}, seed {parse.GetValue(seed)}, {new FileInfo(path).Length:N0} bytes");
        }));
        return command;
    }
}
