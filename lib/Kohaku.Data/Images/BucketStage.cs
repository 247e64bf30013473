namespace Kohaku.Data.Images;

// The buckets stage as one call, shared by `kohaku buckets assign` and notebook 03: open the
// config's image folders, assign every id of the id list, write buckets.json and skipped.json.
public static class BucketStage
{
    public static BucketsFile Run(BucketConfig config, string idsPath, string bucketsPath, string? runFile = null, Action<string>? warning = null, IProgress<StageProgress>? progress = null, CancellationToken cancel = default)
    {
        var ids = BucketAssigner.ReadIds(idsPath);
        using var loader = BucketImageLoader.Open(config, runFile, warning);
        var result = BucketAssigner.Assign(loader, ids, Environment.ProcessorCount, progress, cancel);
        result.Write(bucketsPath);
        return result;
    }
}
