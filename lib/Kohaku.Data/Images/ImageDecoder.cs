using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Data.Images;

// Bytes → RGB pixels: webp, png, jpeg and the first frame of a gif (ImageSharp 2.1), transparency
// composited on white. Formats that cannot carry alpha (lossy webp without an alpha chunk, jpeg)
// decode straight to RGB: decoding is most of the image path's time, and this saves a tenth of it.
// Every failure becomes an ImageSkippedException carrying the reason and the file it came from.
public static class ImageDecoder
{
    private static readonly Configuration Formats = MakeConfiguration();

    // Danbooru's own upload limit (max_image_resolution, 15000²): every danbooru2023 image is below it,
    // while a 1 MB PNG can declare 20000×20000 and take gigabytes to decode.
    public const long DefaultMaxPixels = 15000L * 15000;

    public static Image<Rgb24> Decode(ImageBytes image, long maxPixels = DefaultMaxPixels)
    {
        Check(image, maxPixels);
        Image<Rgb24> decoded;
        try
        {
            decoded = MayHaveAlpha(image.Data) ? LoadComposited(image.Data) : Image.Load<Rgb24>(Formats, image.Data);
        }
        catch (UnknownImageFormatException)
        {
            throw Skip(image, SkipReason.UnknownFormat, $"{image.Data.Length} bytes in no known image format");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Skip(image, SkipReason.Corrupt, $"{e.GetType().Name}: {e.Message}");
        }
        if (decoded.Width <= 0 || decoded.Height <= 0)
        {
            decoded.Dispose();
            throw Skip(image, SkipReason.Corrupt, "zero-sized image");
        }
        return decoded;
    }

    // What can be told without decoding: empty, cut short, no known format, or more pixels than
    // maxPixels (from the header alone). Throws the ImageSkippedException decoding would.
    public static void Check(ImageBytes image, long maxPixels = DefaultMaxPixels)
    {
        if (image.Data.Length == 0) throw Skip(image, SkipReason.Empty, "0 bytes");
        if (Truncation(image.Data) is { } truncated) throw Skip(image, SkipReason.Corrupt, truncated);
        IImageInfo? info;
        try
        {
            // ImageSharp 2 answers an unknown format with null rather than an exception.
            info = Image.Identify(Formats, image.Data, out _) ?? throw new UnknownImageFormatException("no known format");
        }
        catch (UnknownImageFormatException)
        {
            throw Skip(image, SkipReason.UnknownFormat, $"{image.Data.Length} bytes in no known image format");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Skip(image, SkipReason.Corrupt, $"{e.GetType().Name}: {e.Message}");
        }
        if ((long)info.Width * info.Height > maxPixels)
            throw Skip(image, SkipReason.TooLarge, $"{info.Width}x{info.Height} is {(long)info.Width * info.Height:N0} pixels, above the limit of {maxPixels:N0} (buckets.maxImagePixels)");
    }

    private static Image<Rgb24> LoadComposited(byte[] data)
    {
        using var rgba = Image.Load<Rgba32>(Formats, data);
        CompositeOnWhite(rgba);
        return rgba.CloneAs<Rgb24>();
    }

    // Only simple lossy webp ("VP8 " first chunk) and jpeg are known opaque from their header.
    internal static bool MayHaveAlpha(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 16 && data[..4].SequenceEqual("RIFF"u8) && data[8..16].SequenceEqual("WEBPVP8 "u8)) return false;
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return false;
        return true;
    }

    // out = a·c + (1 − a)·255 per channel, then opaque; rows without transparency are left alone.
    internal static void CompositeOnWhite(Image<Rgba32> image) =>
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    ref var p = ref row[x];
                    if (p.A == 255) continue;
                    int a = p.A, inv = 255 - a;
                    p = new Rgba32((byte)((p.R * a + 255 * inv + 127) / 255), (byte)((p.G * a + 255 * inv + 127) / 255), (byte)((p.B * a + 255 * inv + 127) / 255), 255);
                }
            }
        });

    // ImageSharp decodes a cut-off lossy webp or jpeg without complaint (the missing rows come out
    // grey), so the container is checked first: a RIFF file must be as long as its header says, a
    // PNG must hold its IEND chunk, a JPEG its end-of-image marker (entropy data stuffs every 0xFF,
    // so FF D9 only occurs as a marker; an EXIF thumbnail's own EOI can hide a cut, a known gap).
    internal static string? Truncation(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
        {
            long declared = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data[4..8]) + 8L;
            return data.Length < declared ? $"truncated: RIFF header declares {declared} bytes, {data.Length} present" : null;
        }
        if (data.Length >= 8 && data[..8].SequenceEqual(PngSignature) && data.LastIndexOf("IEND"u8) < 0)
            return $"truncated: PNG of {data.Length} bytes has no IEND chunk";
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF && data.LastIndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) < 0)
            return $"truncated: JPEG of {data.Length} bytes has no end-of-image marker";
        return null;
    }

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static ImageSkippedException Skip(ImageBytes image, SkipReason reason, string detail) =>
        new(new SkippedImage(image.Id, reason, $"{image.Origin}: {detail}"));

    private static Configuration MakeConfiguration()
    {
        // One thread per image: callers (assignment, the trainer's loader, the bench) already run
        // images in parallel, and ImageSharp's own row parallelism nested inside that starves the
        // thread pool on a small machine (measured: under half a core busy per worker).
        var configuration = new Configuration(new WebpConfigurationModule(), new PngConfigurationModule(), new JpegConfigurationModule(), new GifConfigurationModule())
        {
            MaxDegreeOfParallelism = 1,
        };
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }
}
