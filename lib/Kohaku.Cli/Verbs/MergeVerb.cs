using System.CommandLine;
using System.Globalization;
using Kohaku.Diffusion.Merge;
using Kohaku.Diffusion.SafeTensors;

namespace Kohaku.Cli.Verbs;

internal sealed class MergeVerb : IVerb
{
    public static Command Build()
    {
        var inputs = new Argument<string[]>("checkpoints") { Description = "Two or more .safetensors checkpoints with the same keys.", Arity = new ArgumentArity(2, 64) };
        var weights = new Option<string>("--weights") { Description = "Comma-separated weights, one per checkpoint (the card: 0.5,0.5).", Required = true };
        var output = new Option<string>("--out") { Description = "Output checkpoint.", Required = true };
        var dtype = new Option<string?>("--dtype") { Description = "fp16, bf16 or fp32 (default: each tensor's dtype in the first checkpoint)." };
        var embeddings = new Option<string?>("--restore-embeddings-from") { Description = "Take the text encoders' token/position embeddings from this checkpoint (as restoring them in every input first)." };
        var command = new Command("merge", "Weighted sum of checkpoints, streamed tensor by tensor.") { inputs, weights, output, dtype, embeddings };
        command.SetAction(parse => BadInput.Guard("merge", () =>
        {
            var w = parse.GetValue(weights)!.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToList();
            WeightedMerge.Run(parse.GetValue(inputs)!, w, parse.GetValue(output)!, Dtype(parse.GetValue(dtype)), parse.GetValue(embeddings));
            Console.WriteLine(parse.GetValue(output));
            return 0;
        }));
        return command;
    }

    internal static SafeDType? Dtype(string? name) => name switch
    {
        null => null,
        "fp16" => SafeDType.F16,
        "bf16" => SafeDType.BF16,
        "fp32" => SafeDType.F32,
        _ => throw new ArgumentException($"--dtype: \"{name}\" is not fp16, bf16 or fp32"),
    };
}
