using System.Globalization;
using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Merge;

// Weighted sum of checkpoints (the card: restored gamma rev2 and beta7 at 0.5 each), streamed tensor by
// tensor: sums run in fp32 and are written in the chosen dtype (default: the first file's, per tensor);
// non-float tensors (position_ids) are copied from the first file. With embeddingsFrom, the text
// encoders' token/position embeddings come from that reference instead (times Σ weights), which is
// what restoring them in every input first and then merging gives, in one pass and without temp files.
public static class WeightedMerge
{
    public static void Run(IReadOnlyList<string> inputs, IReadOnlyList<double> weights, string output, SafeDType? dtype = null, string? embeddingsFrom = null)
    {
        if (inputs.Count < 2) throw new ArgumentException($"merge needs two or more checkpoints, got {inputs.Count}", nameof(inputs));
        if (weights.Count != inputs.Count) throw new ArgumentException($"{weights.Count} weights for {inputs.Count} checkpoints", nameof(weights));
        if (weights.Any(w => !double.IsFinite(w))) throw new ArgumentException("weights must be finite", nameof(weights));
        if (dtype is { } d && !CheckpointSet.IsFloat(d)) throw new ArgumentException($"output dtype {d} is not a float type", nameof(dtype));
        using var set = new CheckpointSet(inputs);
        using var reference = embeddingsFrom is null ? null : CheckpointReader.Open(embeddingsFrom);
        HashSet<string> restored = reference is null ? [] : EmbeddingRestore.Check(reference, set.First);
        var entries = set.First.Tensors.Select(info => new ChunkedCheckpointWriter.Entry(info.Name, CheckpointSet.IsFloat(info.DType) ? dtype ?? info.DType : info.DType, info.Shape));
        Tensor Produce(ChunkedCheckpointWriter.Entry entry, long start, long count) =>
            !CheckpointSet.IsFloat(set.First.Info(entry.Name).DType) ? set.First.LoadRange(entry.Name, start, count)
            : restored.Contains(entry.Name) ? reference!.LoadRange(entry.Name, start, count, ScalarType.Float32).mul_(weights.Sum())
            : Sum(set, weights, entry.Name, start, count);
        var recipe = string.Join(" + ", inputs.Zip(weights).Select(p => $"{p.Second.ToString(CultureInfo.InvariantCulture)}×{Path.GetFileName(p.First)}"));
        var metadata = new Dictionary<string, string>(set.First.Metadata) { ["kohaku.merge"] = recipe };
        if (embeddingsFrom is not null) metadata["kohaku.restored_embeddings_from"] = Path.GetFileName(embeddingsFrom);
        ChunkedCheckpointWriter.Write(output, entries, Produce, metadata);
    }

    // The Δ base: restore the reference's TE embeddings and merge, as the "base" section says.
    public static void Run(BaseConfig config, string output)
    {
        config.Validate();
        Run(config.Checkpoints, config.Weights, output, config.OutputDtype, config.RestoreEmbeddingsFrom);
    }

    // fp32 accumulator; the fp16/bf16 slices are added with type promotion, without a converted copy.
    private static Tensor Sum(CheckpointSet set, IReadOnlyList<double> weights, string name, long start, long count)
    {
        var acc = set.Files[0].LoadRange(name, start, count, ScalarType.Float32).mul_(weights[0]);
        for (var i = 1; i < set.Files.Count; i++)
        {
            using var t = set.Files[i].LoadRange(name, start, count);
            acc.add_(t, alpha: weights[i]);
        }
        return acc;
    }
}
