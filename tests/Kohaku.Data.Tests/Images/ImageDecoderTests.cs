using Kohaku.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Data.Tests.Images;

public class ImageDecoderTests
{
    private static ImageBytes Bytes(byte[] data, string ext = "webp") => new(12, ext, data, "data-0012.tar:12.webp");

    [Fact]
    public void Decode_LosslessWebp_SizeAndColour()
    {
        using var image = ImageDecoder.Decode(Bytes(ShardFixture.Webp(30, 20, new Rgba32(200, 10, 40))));

        Assert.Equal((30, 20), (image.Width, image.Height));
        Assert.Equal(new Rgb24(200, 10, 40), image[5, 5]);
    }

    [Fact]
    public void Decode_TransparentPng_CompositedOnWhite()
    {
        using var source = new Image<Rgba32>(4, 4, new Rgba32(0, 0, 0, 0));
        source[1, 1] = new Rgba32(0, 0, 255, 128);

        using var image = ImageDecoder.Decode(Bytes(ShardFixture.Png(source), "png"));

        Assert.Equal(new Rgb24(255, 255, 255), image[0, 0]);
        // 128/255 of blue over white: R = G = 255·127/255 = 127, B = 255.
        Assert.Equal(new Rgb24(127, 127, 255), image[1, 1]);
    }

    [Fact]
    public void Decode_Gif_FirstFrame()
    {
        using var gif = new Image<Rgba32>(8, 8, new Rgba32(255, 0, 0));
        using var second = new Image<Rgba32>(8, 8, new Rgba32(0, 0, 255));
        gif.Frames.AddFrame(second.Frames.RootFrame);
        using var stream = new MemoryStream();
        gif.SaveAsGif(stream);

        using var image = ImageDecoder.Decode(Bytes(stream.ToArray(), "gif"));

        Assert.Equal(1, image.Frames.Count);
        Assert.True(image[4, 4].R > 200 && image[4, 4].B < 50);
    }

    [Fact]
    public void Decode_LossyWebp_DecodedWithoutAlphaPath()
    {
        var lossy = ShardFixture.Webp(16, 16, new Rgba32(10, 200, 30), lossless: false);

        using var image = ImageDecoder.Decode(Bytes(lossy));

        Assert.False(ImageDecoder.MayHaveAlpha(lossy));
        Assert.True(ImageDecoder.MayHaveAlpha(ShardFixture.Webp(16, 16, new Rgba32(1, 1, 1, 0), lossless: true)));
        Assert.InRange(image[8, 8].G, 190, 210);
    }

    [Fact]
    public void Decode_PngWithoutIend_SkippedAsTruncated()
    {
        using var source = new Image<Rgba32>(40, 40, new Rgba32(5, 5, 5));
        var png = ShardFixture.Png(source);

        var e = Assert.Throws<ImageSkippedException>(() => ImageDecoder.Decode(Bytes(png[..(png.Length - 12)], "png")));

        Assert.Equal(SkipReason.Corrupt, e.Skipped.Reason);
        Assert.Contains("IEND", e.Skipped.Detail);
    }

    [Fact]
    public void Decode_TruncatedJpeg_SkippedAsCorruptWhileWholeOneDecodes()
    {
        using var source = new Image<Rgba32>(64, 48, new Rgba32(90, 30, 200));
        using var stream = new MemoryStream();
        source.SaveAsJpeg(stream);
        var jpeg = stream.ToArray();

        using var whole = ImageDecoder.Decode(Bytes(jpeg, "jpg"));
        var e = Assert.Throws<ImageSkippedException>(() => ImageDecoder.Decode(Bytes(jpeg[..(jpeg.Length * 2 / 3)], "jpg")));

        Assert.Equal((64, 48), (whole.Width, whole.Height));
        Assert.Equal(SkipReason.Corrupt, e.Skipped.Reason);
        Assert.Contains("end-of-image", e.Skipped.Detail);
    }

    [Fact]
    public void Decode_Empty_SkippedAsEmptyNamingOrigin()
    {
        var e = Assert.Throws<ImageSkippedException>(() => ImageDecoder.Decode(Bytes([])));

        Assert.Equal(SkipReason.Empty, e.Skipped.Reason);
        Assert.Contains("data-0012.tar:12.webp", e.Skipped.Detail);
    }

    [Fact]
    public void Decode_Garbage_SkippedAsUnknownFormat()
    {
        var e = Assert.Throws<ImageSkippedException>(() => ImageDecoder.Decode(Bytes([.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))])));

        Assert.Equal(SkipReason.UnknownFormat, e.Skipped.Reason);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decode_TruncatedWebp_SkippedAsCorrupt(bool lossless)
    {
        var data = ShardFixture.Webp(64, 64, new Rgba32(1, 2, 3), lossless);

        var e = Assert.Throws<ImageSkippedException>(() => ImageDecoder.Decode(Bytes(data[..(data.Length / 2)])));

        Assert.Equal(SkipReason.Corrupt, e.Skipped.Reason);
        Assert.Equal(12, e.Skipped.Id);
    }

    // A decompression bomb: 57 bytes of PNG whose header declares 20000×20000 (400 M pixels, gigabytes
    // decoded). It is skipped from the header, before any pixel is allocated.
    [Fact]
    public void Decode_HeaderAboveThePixelLimit_SkippedBeforeDecoding()
    {
        var bomb = new ImageBytes(8, "png", PngHeaderOnly(20000, 20000), "bomb.png");

        var e = Assert.Throws<ImageSkippedException>(() => ImageDecoder.Decode(bomb));

        Assert.Equal(SkipReason.TooLarge, e.Skipped.Reason);
        Assert.Equal("bomb.png: 20000x20000 is 400,000,000 pixels, above the limit of 225,000,000 (buckets.maxImagePixels)", e.Skipped.Detail);
    }

    [Fact]
    public void Decode_LimitIsConfigurable_ExactlyAtTheLimitDecodes()
    {
        using var image = new Image<Rgb24>(30, 20);
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        var bytes = new ImageBytes(9, "png", png.ToArray(), "ok.png");

        using var decoded = ImageDecoder.Decode(bytes, maxPixels: 600);
        Assert.Equal(SkipReason.TooLarge, Assert.Throws<ImageSkippedException>(() => ImageDecoder.Decode(bytes, maxPixels: 599)).Skipped.Reason);
        Assert.Equal((30, 20), (decoded.Width, decoded.Height));
    }

    private static byte[] PngHeaderOnly(int width, int height)
    {
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth; colour type 0 (grey), no interlace
        var file = new MemoryStream();
        file.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(file, "IHDR", ihdr);
        Chunk(file, "IEND", []);
        return file.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var head = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(head, 4);
        s.Write(head);
        s.Write(data);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32([.. head[4..], .. data]));
        s.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }
}
