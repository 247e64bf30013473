namespace Kohaku.Data.Images;

// Where one image goes: its bucket, the size it is resized to before cropping (covers the bucket),
// and the aspect-ratio error bucket_ar − image_ar that kohya logs.
public readonly record struct BucketChoice(BucketSize Bucket, int ResizedWidth, int ResizedHeight, double AspectError);
