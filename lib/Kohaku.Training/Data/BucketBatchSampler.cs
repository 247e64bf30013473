using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Data;

// Batches that never mix buckets (kohya-sdxl.md §1.6): per epoch, every bucket's item list is
// shuffled, cut into batches of BatchSize (the last one of a bucket may be short), and the list of
// all batches is shuffled. The order is a pure function of (seed, epoch), so a checkpoint only
// needs the position (epoch, batch index) to resume on the very next batch.
public sealed class BucketBatchSampler
{
    private readonly IReadOnlyList<IReadOnlyList<int>> _buckets;

    // buckets[b] = the sample indices in bucket b (each repeated as often as it should be seen per epoch).
    public BucketBatchSampler(IReadOnlyList<IReadOnlyList<int>> buckets, int batchSize, long seed)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be ≥ 1");
        _buckets = buckets;
        BatchSize = batchSize;
        Seed = seed;
        BatchesPerEpoch = buckets.Sum(b => (b.Count + batchSize - 1) / batchSize);
        if (BatchesPerEpoch == 0) throw new ArgumentException("no samples in any bucket", nameof(buckets));
    }

    public int BatchSize { get; }
    public long Seed { get; }
    public int BatchesPerEpoch { get; }

    public IReadOnlyList<SampleBatch> Epoch(int epoch)
    {
        using var scope = NewDisposeScope();
        using var rng = new Generator(unchecked((ulong)(Seed + epoch)));
        var batches = new List<SampleBatch>(BatchesPerEpoch);
        for (var b = 0; b < _buckets.Count; b++)
        {
            var items = _buckets[b];
            if (items.Count == 0) continue;
            var order = randperm(items.Count, generator: rng).data<long>().ToArray();
            for (var start = 0; start < items.Count; start += BatchSize)
            {
                var count = Math.Min(BatchSize, items.Count - start);
                var ids = new int[count];
                for (var i = 0; i < count; i++) ids[i] = items[(int)order[start + i]];
                batches.Add(new SampleBatch(b, ids));
            }
        }
        var shuffle = randperm(batches.Count, generator: rng).data<long>().ToArray();
        return shuffle.Select(i => batches[(int)i]).ToList();
    }

    // Every batch from the position on, epoch after epoch, tagged with its own position.
    public IEnumerable<(BatchPosition Position, SampleBatch Batch)> From(BatchPosition start)
    {
        if (start.Index < 0 || start.Index > BatchesPerEpoch) throw new ArgumentOutOfRangeException(nameof(start), start, $"batch index outside the epoch of {BatchesPerEpoch}");
        for (var epoch = start.Epoch; ; epoch++)
        {
            var batches = Epoch(epoch);
            for (var i = epoch == start.Epoch ? start.Index : 0; i < batches.Count; i++)
                yield return (new BatchPosition(epoch, i), batches[i]);
        }
    }
}

public sealed record SampleBatch(int Bucket, IReadOnlyList<int> Samples);

// The next batch to read: batch Index of epoch Epoch.
public sealed record BatchPosition(int Epoch, int Index)
{
    public BatchPosition Next(int batchesPerEpoch) => Index + 1 >= batchesPerEpoch ? new(Epoch + 1, 0) : this with { Index = Index + 1 };
}
