using Kohaku.Data.Images;
namespace Kohaku.Samples.Images;

// The broken inputs the sample carries on purpose, so every skip path runs on real files.
public enum SampleDefect
{
    Truncated,  // the webp cut in half
    Empty,      // a zero-length tar member
    Garbage,    // bytes in no image format
    ZeroSize,   // a PNG whose header declares 0×0 pixels
    Missing,    // no member at all
}
