using static TorchSharp.torch;

namespace Kohaku.Diffusion.SafeTensors;

// How far two safetensors files with the same tensors are apart, in float64: the largest per-tensor
// max|a − b| / max|a|, and ‖a − b‖ / ‖a‖ over all tensors together. Used to show that runs which
// should agree up to summation order (data-parallel at N ranks against one process) do. Lion's
// sign() turns a last-bit difference in a near-zero gradient into a whole ±lr step on that element,
// which the element-wise measure sees at full size; the norm measure weighs it by how rare it is.
public static class SafeTensorsDiff
{
    public sealed record Result(int Tensors, double MaxRelative, string WorstTensor, double MaxAbsolute, double RelativeNorm);

    public static Result Compare(string pathA, string pathB, string prefix = "")
    {
        using var a = SafeTensorsFile.Open(pathA);
        using var b = SafeTensorsFile.Open(pathB);
        var names = a.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var other = b.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (!names.SequenceEqual(other))
        {
            var onlyA = names.Except(other).Take(3).ToList();
            var onlyB = other.Except(names).Take(3).ToList();
            throw new InvalidDataException($"{pathA} and {pathB} hold different tensors{(prefix.Length > 0 ? $" under \"{prefix}\"" : "")} (only in the first: {string.Join(", ", onlyA)}; only in the second: {string.Join(", ", onlyB)})");
        }
        if (names.Count == 0) throw new InvalidDataException($"{pathA}: no tensor{(prefix.Length > 0 ? $" under \"{prefix}\"" : "")} to compare");
        double worst = 0, worstAbsolute = 0, differenceSquares = 0, squares = 0;
        var worstName = names[0];
        foreach (var name in names)
        {
            using var scope = NewDisposeScope();
            var x = a.Load(name).to(ScalarType.Float64);
            var y = b.Load(name).to(ScalarType.Float64);
            if (!x.shape.SequenceEqual(y.shape))
                throw new InvalidDataException($"{name}: shape [{string.Join(",", x.shape)}] in {pathA}, [{string.Join(",", y.shape)}] in {pathB}");
            var difference = x - y;
            differenceSquares += difference.mul(difference).sum().item<double>();
            squares += x.mul(x).sum().item<double>();
            var absolute = x.numel() == 0 ? 0 : difference.abs().max().item<double>();
            var scale = x.numel() == 0 ? 0 : x.abs().max().item<double>();
            var relative = absolute == 0 ? 0 : scale == 0 ? double.PositiveInfinity : absolute / scale;
            if (double.IsNaN(relative)) relative = double.PositiveInfinity;
            worstAbsolute = Math.Max(worstAbsolute, double.IsNaN(absolute) ? double.PositiveInfinity : absolute);
            if (relative > worst) (worst, worstName) = (relative, name);
        }
        var norm = differenceSquares == 0 ? 0 : squares == 0 ? double.PositiveInfinity : Math.Sqrt(differenceSquares / squares);
        return new Result(names.Count, worst, worstName, worstAbsolute, double.IsNaN(norm) ? double.PositiveInfinity : norm);
    }
}
