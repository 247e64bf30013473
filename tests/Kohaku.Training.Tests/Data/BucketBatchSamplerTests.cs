using Kohaku.Training.Data;

namespace Kohaku.Training.Tests.Data;

public class BucketBatchSamplerTests
{
    // Bucket 0: samples 0..9, bucket 1: 10..12, bucket 2: 13..20.
    private static readonly IReadOnlyList<int>[] Buckets = [Enumerable.Range(0, 10).ToArray(), [10, 11, 12], Enumerable.Range(13, 8).ToArray()];

    [Fact]
    public void Epoch_AnySeed_NeverMixesBucketsAndCoversEverySampleOnce()
    {
        var sampler = new BucketBatchSampler(Buckets, 4, 1337);
        var batches = sampler.Epoch(0);
        Assert.Equal(3 + 1 + 2, batches.Count);
        Assert.Equal(sampler.BatchesPerEpoch, batches.Count);
        foreach (var b in batches)
            Assert.All(b.Samples, s => Assert.Contains(s, Buckets[b.Bucket]));
        Assert.Equal(Enumerable.Range(0, 21), batches.SelectMany(b => b.Samples).Order());
    }

    [Fact]
    public void Epoch_SameSeedAndEpoch_IsIdenticalAndNextEpochReshuffles()
    {
        var a = new BucketBatchSampler(Buckets, 4, 1337);
        var b = new BucketBatchSampler(Buckets, 4, 1337);
        Assert.Equal(Flatten(a.Epoch(0)), Flatten(b.Epoch(0)));
        Assert.NotEqual(Flatten(a.Epoch(0)), Flatten(a.Epoch(1)));
    }

    [Fact]
    public void From_SavedPosition_ContinuesWithTheSameBatches()
    {
        var sampler = new BucketBatchSampler(Buckets, 4, 7);
        var all = sampler.From(new BatchPosition(0, 0)).Take(15).ToList();
        var resumed = sampler.From(all[8].Position).Take(7).ToList();
        Assert.Equal(all.Skip(8).Select(x => x.Position), resumed.Select(x => x.Position));
        Assert.Equal(all.Skip(8).SelectMany(x => x.Batch.Samples), resumed.SelectMany(x => x.Batch.Samples));
        Assert.Equal(new BatchPosition(2, 0), all[12].Position);
    }

    [Fact]
    public void Next_LastBatchOfEpoch_MovesToNextEpoch() =>
        Assert.Equal(new BatchPosition(4, 0), new BatchPosition(3, 5).Next(6));

    [Fact]
    public void Constructor_NoSamples_Throws() =>
        Assert.Throws<ArgumentException>(() => new BucketBatchSampler([Array.Empty<int>()], 4, 0));

    private static int[] Flatten(IReadOnlyList<SampleBatch> batches) => batches.SelectMany(b => b.Samples.Prepend(-1 - b.Bucket)).ToArray();
}
