using System.Formats.Tar;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Data.Tests.Images;

// A temporary folder with hand-built shard tars and encoded test pictures; deleted on dispose.
internal sealed class ShardFixture : IDisposable
{
    public ShardFixture() => Directory.CreateDirectory(Folder);

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "kohaku-images-" + Guid.NewGuid().ToString("N"));

    public string WriteTar(string name, params (string Member, byte[] Data)[] members)
    {
        var path = Path.Combine(Folder, name);
        using var stream = File.Create(path);
        using var writer = new TarWriter(stream, TarEntryFormat.Ustar);
        foreach (var (member, data) in members)
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, member) { DataStream = new MemoryStream(data) });
        return path;
    }

    public string WriteFile(string name, byte[] data)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    public static byte[] Webp(int width, int height, Rgba32 color, bool lossless = true)
    {
        using var image = new Image<Rgba32>(width, height, color);
        using var stream = new MemoryStream();
        image.Save(stream, new WebpEncoder { FileFormat = lossless ? WebpFileFormatType.Lossless : WebpFileFormatType.Lossy });
        return stream.ToArray();
    }

    public static byte[] Png(Image<Rgba32> image)
    {
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
