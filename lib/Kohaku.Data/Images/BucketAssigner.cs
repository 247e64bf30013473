namespace Kohaku.Data.Images;

// `kohaku buckets assign`: every selected post's image is read and fully decoded (so a damaged file
// is found now, not mid-training), placed in its bucket, and its SDXL metadata recorded; a missing
// or unusable image is skipped with its reason and the run goes on. Results keep the ids' order.
public static class BucketAssigner
{
    public static BucketsFile Assign(BucketImageLoader loader, IReadOnlyList<long> ids, int workers = 2, IProgress<StageProgress>? progress = null, CancellationToken cancel = default)
    {
        var results = new (BucketAssignment? Image, SkippedImage? Skipped)[ids.Count];
        long done = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers), CancellationToken = cancel };
        Parallel.For(0, ids.Count, options, i =>
        {
            results[i] = AssignOne(loader, ids[i]);
            long n = Interlocked.Increment(ref done);
            if (n % 64 == 0 || n == ids.Count) progress?.Report(new StageProgress("buckets", n, ids.Count));
        });
        return BucketsFile.From(loader.Config, [.. results.Where(r => r.Image is not null).Select(r => r.Image!)], [.. results.Where(r => r.Skipped is not null).Select(r => r.Skipped!)]);
    }

    private static (BucketAssignment?, SkippedImage?) AssignOne(BucketImageLoader loader, long id)
    {
        try
        {
            using var image = loader.Decode(id);
            var choice = loader.Choose(id, image.Width, image.Height);
            return (BucketAssignment.From(id, choice, SdxlSizeMetadata.For(choice.Bucket, image.Width, image.Height)), null);
        }
        catch (ImageSkippedException e)
        {
            return (null, e.Skipped);
        }
    }

    // ids.txt: one post id per line; blank lines and lines starting with '#' are ignored.
    public static IReadOnlyList<long> ReadIds(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"id list not found: {path}", path);
        var ids = new List<long>();
        int lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (!long.TryParse(line, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                throw new InvalidDataException($"{path}:{lineNumber}: not a post id: \"{line}\"");
            ids.Add(id);
        }
        return ids;
    }
}
