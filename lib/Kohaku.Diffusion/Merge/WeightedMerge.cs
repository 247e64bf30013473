using Kohaku.Diffusion.Nn;
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
        using var scratch = new Scratch();
        Tensor Produce(ChunkedCheckpointWriter.Entry entry, long start, long count) =>
            !CheckpointSet.IsFloat(set.First.Info(entry.Name).DType) ? set.First.LoadRange(entry.Name, start, count)
            : restored.Contains(entry.Name) ? Scalars.With(weights.Sum(), reference!.LoadRange(entry.Name, start, count, ScalarType.Float32).mul_)
            : Sum(set, weights, entry.Name, start, count, scratch);
        var recipe = string.Join(" + ", inputs.Zip(weights).Select(p => $"{p.Second.ToString(CultureInfo.InvariantCulture)}×{Path.GetFileName(p.First)}"));
        var metadata = new Dictionary<string, string>(set.First.Metadata) { ["kohaku.merge"] = recipe };
        if (embeddingsFrom is not null) metadata["kohaku.restored_embeddings_from"] = Path.GetFileName(embeddingsFrom);
        ChunkedCheckpointWriter.Write(output, entries, Produce, metadata);
    }

    // The Δ base: restore the reference's TE embeddings and merge, as the "base" section says.
    public static void Run(BaseConfig config, string output)
    {
        Run(config.Checkpoints, config.Weights, output, config.OutputDtype, config.RestoreEmbeddingsFrom);
    }

    // acc = Σ wᵢ·float(inputᵢ), each product and each sum rounded in fp32 (as `w0*a.float() + w1*b.float()`),
    // the writer rounding once to the output dtype. Slices are read into reused buffers of their stored
    // dtype and upcast into reused fp32 ones, so a slice costs no allocation (fresh pages cost as much CPU
    // as the arithmetic). Not lerp_ for two weights summing to 1: in a half dtype it rounds the weight
    // to that dtype (0.7 → 0.69970703) and its result too.
    private static Tensor Sum(CheckpointSet set, IReadOnlyList<double> weights, string name, long start, long count, Scratch scratch)
    {
        var acc = scratch.Get(-1, ScalarType.Float32, count);
        var term = scratch.Get(-2, ScalarType.Float32, count);
        for (var i = 0; i < set.Files.Count; i++)
        {
            var info = set.Files[i].Info(name);
            var slice = scratch.Get(i, info.DType.ToScalarType(), count);
            set.Files[i].ReadRange(name, start, slice);
            var target = i == 0 ? acc : term;
            Scalars.With(weights[i], target.copy_(slice).mul_);
            if (i > 0) acc.add_(term, Scalars.One);
        }
        return acc;
    }

    private sealed class Scratch : IDisposable
    {
        private readonly Dictionary<(int, ScalarType), Tensor> buffers = [];

        public Tensor Get(int slot, ScalarType dtype, long count)
        {
            if (!buffers.TryGetValue((slot, dtype), out var b)) buffers[(slot, dtype)] = b = empty([ChunkedCheckpointWriter.ChunkElements], dtype).DetachFromDisposeScope();
            return b.narrow(0, 0, count);
        }

        public void Dispose()
        {
            foreach (var b in buffers.Values) b.Dispose();
        }
    }
}
