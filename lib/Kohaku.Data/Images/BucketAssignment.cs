using System.Text.Json.Serialization;

namespace Kohaku.Data.Images;

// One line of buckets.json: where a post's image goes and what SDXL conditioning will read,
// sizes as kohya stores them: bucket and resized (w, h); original, crop and target in (h, w) / (top, left).
public sealed record BucketAssignment(long Id, int[] Bucket, int[] Resized, int[] OriginalSizeHw, int[] CropTopLeft, int[] TargetSizeHw, double AspectError)
{
    public static BucketAssignment From(long id, BucketChoice choice, SdxlSizeMetadata size) => new(
        id,
        [choice.Bucket.Width, choice.Bucket.Height],
        [choice.ResizedWidth, choice.ResizedHeight],
        [size.OriginalHeight, size.OriginalWidth],
        [size.CropTop, size.CropLeft],
        [size.TargetHeight, size.TargetWidth],
        Math.Round(choice.AspectError, 6));

    [JsonIgnore] public BucketSize BucketSize => new(Bucket[0], Bucket[1]);
    [JsonIgnore] public double ImageAspect => (double)OriginalSizeHw[1] / OriginalSizeHw[0];
    [JsonIgnore] public double BucketAspect => (double)Bucket[0] / Bucket[1];
}
