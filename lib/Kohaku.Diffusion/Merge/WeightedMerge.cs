using System.Globalization;
using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Merge;

// Weighted sum of checkpoints (the card: restored gamma rev2 and beta7 at 0.5 each), streamed tensor by
// tensor: sums run in fp32 and are written in the chosen dtype (default: the first file's, per tensor);
// non-float tensors (position_ids) are copied from the first file.
public static class WeightedMerge
{
    public static void Run(IReadOnlyList<string> inputs, IReadOnlyList<double> weights, string output, SafeDType? dtype = null)
    {
        if (inputs.Count < 2) throw new ArgumentException($"merge needs two or more checkpoints, got {inputs.Count}", nameof(inputs));
        if (weights.Count != inputs.Count) throw new ArgumentException($"{weights.Count} weights for {inputs.Count} checkpoints", nameof(weights));
        if (weights.Any(w => !double.IsFinite(w))) throw new ArgumentException("weights must be finite", nameof(weights));
        if (dtype is { } d && !CheckpointSet.IsFloat(d)) throw new ArgumentException($"output dtype {d} is not a float type", nameof(dtype));
        using var set = new CheckpointSet(inputs);
        var entries = set.First.Tensors.Select(info =>
        {
            var isFloat = CheckpointSet.IsFloat(info.DType);
            return new SafeTensorEntry(info.Name, isFloat ? dtype ?? info.DType : info.DType, info.Shape,
                () => isFloat ? Sum(set, weights, info.Name) : set.First.Load(info.Name));
        });
        var recipe = string.Join(" + ", inputs.Zip(weights).Select(p => $"{p.Second.ToString(CultureInfo.InvariantCulture)}×{Path.GetFileName(p.First)}"));
        var metadata = new Dictionary<string, string>(set.First.Metadata) { ["kohaku.merge"] = recipe };
        SafeTensorsWriter.Write(output, entries, metadata);
    }

    private static Tensor Sum(CheckpointSet set, IReadOnlyList<double> weights, string name)
    {
        using var scope = NewDisposeScope();
        var acc = set.Files[0].Load(name, ScalarType.Float32).mul_(weights[0]);
        for (var i = 1; i < set.Files.Count; i++)
        {
            using var t = set.Files[i].Load(name, ScalarType.Float32);
            acc.add_(t, alpha: weights[i]);
        }
        return acc.MoveToOuterDisposeScope();
    }
}
