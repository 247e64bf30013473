using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Merge;

// ‖a − b‖_F per float tensor of two checkpoints with the same layout, streamed (for the per-layer
// charts of the base-model and bake notebooks).
public sealed record TensorDifference(string Key, double Norm, double RelativeNorm);

public static class CheckpointDiff
{
    public static IReadOnlyList<TensorDifference> Norms(string a, string b)
    {
        using var set = new CheckpointSet([a, b]);
        var list = new List<TensorDifference>();
        foreach (var info in set.First.Tensors.Where(t => CheckpointSet.IsFloat(t.DType)))
        {
            using var scope = NewDisposeScope();
            var x = set.Files[0].Load(info.Name, ScalarType.Float32);
            var y = set.Files[1].Load(info.Name, ScalarType.Float32);
            var norm = (x - y).norm().item<float>();
            var reference = x.norm().item<float>();
            list.Add(new TensorDifference(info.Name, norm, reference == 0 ? 0 : norm / reference));
        }
        return list;
    }
}
