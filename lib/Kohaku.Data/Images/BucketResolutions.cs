namespace Kohaku.Data.Images;

// kohya-ss/sd-scripts `make_bucket_resolutions`: the predefined buckets for a base area.
// The square side is floor(√area / step)·step; then for every width w = min, min+step, … ≤ max the
// height is min(max, floor(floor(area / w) / step)·step), kept (with its transpose) when ≥ min.
// Deduplicated and sorted by (w, h). 1024², 256, 4096, 64 gives 97 buckets.
public static class BucketResolutions
{
    public static IReadOnlyList<BucketSize> Make(int resolution, int minSide, int maxSide, int step)
    {
        (minSide, maxSide) = AdjustToSteps(minSide, maxSide, step);
        long area = (long)resolution * resolution;
        var set = new SortedSet<BucketSize>();
        int square = (int)(Math.Sqrt(area) / step) * step;
        set.Add(new BucketSize(square, square));
        for (int width = minSide; width <= maxSide; width += step)
        {
            int height = (int)Math.Min(maxSide, area / width / step * step);
            if (height < minSide) continue;
            set.Add(new BucketSize(width, height));
            set.Add(new BucketSize(height, width));
        }
        return [.. set];
    }

    public static IReadOnlyList<BucketSize> Make(BucketConfig config) =>
        Make(config.Resolution, config.MinSide, config.MaxSide, config.Step);

    // kohya floors min and ceils max to the step before building the list (adjust_min_max_bucket_reso_by_steps).
    internal static (int Min, int Max) AdjustToSteps(int minSide, int maxSide, int step) =>
        (minSide - minSide % step, maxSide % step == 0 ? maxSide : maxSide + step - maxSide % step);
}
