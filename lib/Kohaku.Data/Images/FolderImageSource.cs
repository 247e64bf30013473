namespace Kohaku.Data.Images;

// A plain folder of `<id>.<ext>` files (a HakuBooru FileSaver export, or hand-made data). Listed
// once; when one id has several files the first extension in ordinal order is used.
public sealed class FolderImageSource : IImageSource
{
    private static readonly HashSet<string> ImageExtensions = [.. ImageFileName.Extensions];
    private readonly Dictionary<long, string> files;

    public FolderImageSource(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"image folder not found: {folder}");
        files = [];
        foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            if (ImageFileName.TryParse(Path.GetFileName(path), out var id, out var ext) && ImageExtensions.Contains(ext))
                files.TryAdd(id, path);
    }

    public ImageBytes? Find(long id)
    {
        if (!files.TryGetValue(id, out var path)) return null;
        ImageFileName.TryParse(Path.GetFileName(path), out _, out var ext);
        return new ImageBytes(id, ext, File.ReadAllBytes(path), path);
    }
}
