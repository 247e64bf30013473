namespace Kohaku.Data.Images;

// One training image as the trainer takes it: CHW float pixels in [−1, 1] (3 × Height × Width,
// Height/Width = the bucket), the bucket choice, the offsets actually cut from the resized image,
// and kohya's SDXL size metadata (original size, letterbox crop top-left, target size).
public sealed record ProcessedImage(long Id, float[] Pixels, BucketChoice Choice, int CutLeft, int CutTop, SdxlSizeMetadata Size)
{
    public const int Channels = 3;
    public int Height => Choice.Bucket.Height;
    public int Width => Choice.Bucket.Width;
    public int[] Shape => [Channels, Height, Width];
}
