using System.CommandLine;
using System.Globalization;
using Kohaku.Diffusion.SafeTensors;

namespace Kohaku.Cli.Verbs;

internal sealed class CompareVerb : IVerb
{
    public static Command Build()
    {
        var a = new Argument<string>("a") { Description = "A .safetensors file (a LoKr, a training checkpoint, a model)." };
        var b = new Argument<string>("b") { Description = "A second one with the same tensors." };
        var prefix = new Option<string>("--prefix") { Description = "Compare only tensors whose name starts with this (\"param.\" for a checkpoint's weights).", DefaultValueFactory = _ => "" };
        var tolerance = new Option<double?>("--tolerance") { Description = "Exit 1 when the relative difference ‖a − b‖ / ‖a‖ over all tensors is above this." };
        var elementwise = new Option<double?>("--max-tolerance") { Description = "Exit 1 when the largest per-tensor max|a − b| / max|a| is above this." };
        var command = new Command("compare", "How far two safetensors files are apart: ‖a − b‖ / ‖a‖ over all tensors, and the largest per-tensor max|a − b| / max|a|.") { a, b, prefix, tolerance, elementwise };
        command.SetAction(parse => BadInput.Guard("compare", () =>
        {
            var result = SafeTensorsDiff.Compare(parse.GetValue(a)!, parse.GetValue(b)!, parse.GetValue(prefix)!);
            var (normLimit, maxLimit) = (parse.GetValue(tolerance), parse.GetValue(elementwise));
            var within = (normLimit is not { } n || result.RelativeNorm <= n) && (maxLimit is not { } m || result.MaxRelative <= m);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Tensors} tensors: ‖a − b‖/‖a‖ {result.RelativeNorm:G3}{Limit(result.RelativeNorm, normLimit)}; largest max|a − b|/max|a| {result.MaxRelative:G3} (in {result.WorstTensor}){Limit(result.MaxRelative, maxLimit)}, max |a − b| {result.MaxAbsolute:G3}"));
            return within ? 0 : 1;
        }));
        return command;
    }

    private static string Limit(double value, double? limit) =>
        limit is not { } l ? "" : (value <= l ? " ≤ " : " > ") + l.ToString("G3", CultureInfo.InvariantCulture) + (value <= l ? "" : " (too far)");
}
