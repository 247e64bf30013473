namespace Kohaku.Data.Images;

// One training batch from one bucket, as kohya batches (every image of a batch shares the bucket):
// pixels [B, 3, H, W] in one array, and per image its id and SDXL size metadata, in batch order.
// Images that fail to load are left out and listed in Skipped, so B can be smaller than asked.
public sealed record BucketBatch(BucketSize Bucket, float[] Pixels, IReadOnlyList<long> Ids, IReadOnlyList<SdxlSizeMetadata> Sizes, IReadOnlyList<SkippedImage> Skipped)
{
    public int Count => Ids.Count;
    public int[] Shape => [Count, ProcessedImage.Channels, Bucket.Height, Bucket.Width];

    // Loads with `workers` threads; memory stays at one batch plus one image per worker.
    public static BucketBatch Load(BucketImageLoader loader, BucketSize bucket, IReadOnlyList<long> ids, int epoch = 0, int workers = 2, CancellationToken cancel = default)
    {
        var images = new ProcessedImage?[ids.Count];
        var skipped = new SkippedImage?[ids.Count];
        Parallel.For(0, ids.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers), CancellationToken = cancel }, i =>
        {
            loader.TryLoad(ids[i], out images[i], out skipped[i], epoch);
            if (images[i] is { } image && image.Choice.Bucket != bucket)
            {
                skipped[i] = new SkippedImage(ids[i], SkipReason.WrongBucket, $"decodes to bucket {image.Choice.Bucket}, batch is {bucket}: the image changed since buckets.json was written");
                images[i] = null;
            }
        });
        var loaded = images.Where(i => i is not null).Select(i => i!).ToList();
        int size = ProcessedImage.Channels * bucket.Width * bucket.Height;
        var pixels = new float[loaded.Count * size];
        for (int i = 0; i < loaded.Count; i++) loaded[i].Pixels.CopyTo(pixels, i * size);
        return new BucketBatch(bucket, pixels, [.. loaded.Select(i => i.Id)], [.. loaded.Select(i => i.Size)], [.. skipped.Where(s => s is not null).Select(s => s!)]);
    }
}
