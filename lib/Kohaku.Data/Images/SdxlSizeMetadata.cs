namespace Kohaku.Data.Images;

// What SDXL's size conditioning reads for one image, in kohya's (h, w) / (top, left) order:
// original_size_hw, crop_top_left, target_size_hw.
public readonly record struct SdxlSizeMetadata(int OriginalHeight, int OriginalWidth, int CropTop, int CropLeft, int TargetHeight, int TargetWidth)
{
    // kohya `BucketManager.get_crop_ltrb` + `__getitem__`: the crop is NOT the offset actually cut.
    // It is where the whole original would sit if fitted *inside* the bucket and centred
    // (letterboxed), floor-divided in floats then truncated; the same for centre and random crop.
    // Example (kohya-sdxl sheet §1.5): 1000×1500 in bucket 832×1216 → top 0, left 10.
    public static SdxlSizeMetadata For(BucketSize bucket, int originalWidth, int originalHeight)
    {
        double bucketAspect = bucket.AspectRatio;
        double imageAspect = (double)originalWidth / originalHeight;
        double fittedWidth, fittedHeight;
        if (bucketAspect > imageAspect) (fittedWidth, fittedHeight) = (bucket.Height * imageAspect, bucket.Height);
        else (fittedWidth, fittedHeight) = (bucket.Width, bucket.Width / imageAspect);
        double left = Math.Floor((bucket.Width - fittedWidth) / 2);
        double top = Math.Floor((bucket.Height - fittedHeight) / 2);
        return new SdxlSizeMetadata(originalHeight, originalWidth, (int)top, (int)left, bucket.Height, bucket.Width);
    }
}
