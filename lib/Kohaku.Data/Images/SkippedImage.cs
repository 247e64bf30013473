namespace Kohaku.Data.Images;

// Why a post got no training image. The run goes on; these are counted and listed in skipped.json.
public enum SkipReason
{
    Missing,       // no shard member or file holds the id
    Empty,         // a zero-length member or file
    UnknownFormat, // the bytes are no webp, png, jpeg or gif
    Corrupt,       // the format is known but decoding failed (truncated, damaged)
    TooSmall,      // with noUpscale, a side shorter than one bucket step
    ReadError,     // the tar or file could not be read
    WrongBucket,   // asked for in a batch of another bucket (the file changed since buckets.json)
    TooLarge,      // more pixels than buckets.maxImagePixels (a decompression bomb), told from the header
}

public sealed record SkippedImage(long Id, SkipReason Reason, string Detail);

public sealed class ImageSkippedException(SkippedImage skipped) : Exception($"post {skipped.Id}: {skipped.Reason}: {skipped.Detail}")
{
    public SkippedImage Skipped { get; } = skipped;
}
