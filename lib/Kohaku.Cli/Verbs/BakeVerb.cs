using System.CommandLine;
using Kohaku.Diffusion.Merge;

namespace Kohaku.Cli.Verbs;

internal sealed class BakeVerb : IVerb
{
    public static Command Build()
    {
        var baseModel = new Option<string>("--base") { Description = "Base checkpoint.", Required = true };
        var lokr = new Option<string>("--lokr") { Description = "LyCORIS LoKr file.", Required = true };
        var strength = new Option<double>("--strength") { Description = "Multiplier on ΔW.", DefaultValueFactory = _ => 1.0 };
        var output = new Option<string>("--out") { Description = "Output checkpoint.", Required = true };
        var dtype = new Option<string?>("--dtype") { Description = "fp16, bf16 or fp32 (default: the base's dtypes)." };
        var command = new Command("bake", "Bake a LoKr file into a checkpoint: W + strength·scale·kron(w1, w2).") { baseModel, lokr, strength, output, dtype };
        command.SetAction(parse => BadInput.Guard("bake", () =>
        {
            var baked = LokrBake.Run(parse.GetValue(baseModel)!, parse.GetValue(lokr)!, parse.GetValue(strength), parse.GetValue(output)!, MergeVerb.Dtype(parse.GetValue(dtype)));
            Console.WriteLine($"baked {baked.Count} modules into {baked.Select(b => b.Key).Distinct().Count()} tensors → {parse.GetValue(output)}");
            return 0;
        }));
        return command;
    }
}
