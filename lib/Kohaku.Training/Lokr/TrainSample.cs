using Kohaku.Data;
using Kohaku.Data.Images;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Training.Config;

namespace Kohaku.Training.Lokr;

// One training image as the trainer indexes it: post id, its caption (before per-step
// augmentation) and its bucket line from buckets.json.
public sealed record TrainSample(long Id, string Caption, BucketAssignment Bucket)
{
    public SizeCondition Size => new(Bucket.OriginalSizeHw[0], Bucket.OriginalSizeHw[1], Bucket.CropTopLeft[0], Bucket.CropTopLeft[1], Bucket.TargetSizeHw[0], Bucket.TargetSizeHw[1]);

    // Buckets in (width, height) order, each holding the indices of its samples.
    public static IReadOnlyList<IReadOnlyList<int>> GroupByBucket(IReadOnlyList<TrainSample> samples) =>
        samples.Select((s, i) => (s.Bucket.BucketSize, i))
            .GroupBy(x => x.BucketSize)
            .OrderBy(g => g.Key)
            .Select(g => (IReadOnlyList<int>)g.Select(x => x.i).ToArray())
            .ToList();

    // Joins buckets.json with captions.jsonl; images without a caption are reported, not trained.
    public static IReadOnlyList<TrainSample> Join(BucketsFile buckets, IReadOnlyList<(long Id, string Caption)> captions, Action<string>? warning = null)
    {
        var byId = new Dictionary<long, string>();
        foreach (var (id, caption) in captions) byId[id] = caption;
        var samples = new List<TrainSample>();
        var missing = new List<long>();
        foreach (var image in buckets.Images)
        {
            if (byId.TryGetValue(image.Id, out var caption)) samples.Add(new TrainSample(image.Id, caption, image));
            else missing.Add(image.Id);
        }
        if (missing.Count > 0)
            warning?.Invoke($"{missing.Count} bucketed image(s) have no caption and are left out (first: {string.Join(", ", missing.Take(5))})");
        return samples;
    }

    // The validation split: the posts of train.validationIds, or validationCount posts picked by
    // validationSeed (those with the lowest keys SeedMix gives their ids), so the pick depends neither
    // on the run's seed nor on the order of buckets.json, and a growing dataset keeps its earlier picks
    // where they are still drawn first.
    public static (IReadOnlyList<TrainSample> Train, IReadOnlyList<TrainSample> HeldOut) HoldOut(IReadOnlyList<TrainSample> samples, TrainConfig config)
    {
        if (!config.Validates) return (samples, []);
        HashSet<long> held;
        if (config.ValidationIds.Count > 0)
        {
            var known = samples.Select(s => s.Id).ToHashSet();
            var missing = config.ValidationIds.Where(id => !known.Contains(id)).ToList();
            if (missing.Count > 0)
                throw new ArgumentException($"train.validationIds: post {missing[0]}{(missing.Count > 1 ? $" (and {missing.Count - 1} more)" : "")} is not among the {samples.Count} bucketed, captioned images");
            held = config.ValidationIds.ToHashSet();
        }
        else
        {
            held = samples.OrderBy(s => SeedMix.Of(unchecked((ulong)config.ValidationSeed), HoldOutStream, unchecked((ulong)s.Id))).ThenBy(s => s.Id)
                .Take(config.ValidationCount).Select(s => s.Id).ToHashSet();
        }
        if (held.Count >= samples.Count)
            throw new ArgumentException($"train.validationCount: holding out {held.Count} of {samples.Count} images leaves none to train on");
        return (samples.Where(s => !held.Contains(s.Id)).ToList(), samples.Where(s => held.Contains(s.Id)).ToList());
    }

    private const ulong HoldOutStream = 0x686F6C64_6F757400;
}
