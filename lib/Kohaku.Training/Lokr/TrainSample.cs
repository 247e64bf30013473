using Kohaku.Data.Images;
using Kohaku.Diffusion.Sdxl;

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
}
