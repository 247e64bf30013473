namespace Kohaku.Data.Images;

// kohya-ss/sd-scripts `BucketManager.select_bucket`, both modes.
// Upscale allowed: an image whose size is a predefined bucket keeps it; otherwise the bucket with
// the nearest linear aspect ratio (first of equals in sorted order), and the image is scaled to cover
// it, sides rounded with int(x + 0.5).
// No upscale: an image over the base area shrinks to about that area (two rounding candidates,
// the one with the smaller aspect error wins, the width one on ties losing as kohya's strict `<`
// does); the bucket is the resized size floored to the step on each side, so it crops, never pads.
public sealed class BucketSelector
{
    private readonly BucketSize[] predefined;
    private readonly HashSet<BucketSize> predefinedSet;
    private readonly double[] aspectRatios;
    private readonly long maxArea;
    private readonly int step;
    private readonly bool noUpscale;

    public BucketSelector(BucketConfig config)
    {
        predefined = [.. BucketResolutions.Make(config)];
        predefinedSet = [.. predefined];
        aspectRatios = [.. predefined.Select(b => b.AspectRatio)];
        maxArea = (long)config.Resolution * config.Resolution;
        step = config.Step;
        noUpscale = config.NoUpscale;
    }

    public BucketChoice Select(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} is not positive");
        double aspect = (double)width / height;
        return noUpscale ? SelectNoUpscale(width, height, aspect) : SelectPredefined(width, height, aspect);
    }

    private BucketChoice SelectPredefined(int width, int height, double aspect)
    {
        var bucket = new BucketSize(width, height);
        if (!predefinedSet.Contains(bucket)) bucket = predefined[NearestAspect(aspect)];
        double scale = aspect > bucket.AspectRatio ? (double)bucket.Height / height : (double)bucket.Width / width;
        return new BucketChoice(bucket, RoundHalfUp(width * scale), RoundHalfUp(height * scale), bucket.AspectRatio - aspect);
    }

    private BucketChoice SelectNoUpscale(int width, int height, double aspect)
    {
        int resizedWidth = width, resizedHeight = height;
        if ((long)width * height > maxArea)
        {
            double rw = Math.Sqrt(maxArea * aspect);
            double rh = maxArea / rw;
            int widthRounded = RoundToSteps(rw);
            int heightForWidth = RoundToSteps(widthRounded / aspect);
            int heightRounded = RoundToSteps(rh);
            int widthForHeight = RoundToSteps(heightRounded * aspect);
            double errorWidthRounded = Math.Abs((double)widthRounded / heightForWidth - aspect);
            double errorHeightRounded = Math.Abs((double)widthForHeight / heightRounded - aspect);
            (resizedWidth, resizedHeight) = errorWidthRounded < errorHeightRounded
                ? (widthRounded, RoundHalfUp(widthRounded / aspect))
                : (RoundHalfUp(heightRounded * aspect), heightRounded);
        }
        var bucket = new BucketSize(resizedWidth - resizedWidth % step, resizedHeight - resizedHeight % step);
        return new BucketChoice(bucket, resizedWidth, resizedHeight, bucket.Height == 0 ? double.NaN : bucket.AspectRatio - aspect);
    }

    // numpy argmin over |ar_b − ar|: the first minimum wins.
    private int NearestAspect(double aspect)
    {
        int best = 0;
        double bestError = double.PositiveInfinity;
        for (int i = 0; i < aspectRatios.Length; i++)
        {
            double error = Math.Abs(aspectRatios[i] - aspect);
            if (error < bestError) (best, bestError) = (i, error);
        }
        return best;
    }

    private int RoundToSteps(double x)
    {
        int rounded = RoundHalfUp(x);
        return rounded - rounded % step;
    }

    // Python int(x + 0.5): truncation toward zero of the shifted value (all values here are positive).
    private static int RoundHalfUp(double x) => (int)(x + 0.5);
}
