namespace Kohaku.Data.Images;

// Several image folders searched in order; each is a shard folder when it holds `data-N.tar`
// files, else a folder of loose files.
public sealed class ImageSourceSet : IImageSource, IDisposable
{
    private readonly IImageSource[] sources;

    public ImageSourceSet(IEnumerable<IImageSource> sources) => this.sources = [.. sources];

    public static ImageSourceSet Open(IEnumerable<string> folders, Action<string>? warning = null) =>
        new(folders.Select(f => TarShardSource.HasShards(f) ? (IImageSource)new TarShardSource(f, warning) : new FolderImageSource(f)));

    public ImageBytes? Find(long id)
    {
        foreach (var source in sources)
            if (source.Find(id) is { } found) return found;
        return null;
    }

    public void Dispose()
    {
        foreach (var source in sources.OfType<IDisposable>()) source.Dispose();
    }
}
