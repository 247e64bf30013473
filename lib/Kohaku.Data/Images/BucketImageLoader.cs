using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Data.Images;

// The trainer's image path: post id → bytes (shards or folders) → decode → bucket → resize and cut
// → CHW floats plus SDXL size metadata. Thread-safe; random crops draw from a generator seeded by
// (seed, id, epoch), so a crop does not depend on which thread or in which order it was loaded.
public sealed class BucketImageLoader : IDisposable
{
    private readonly IImageSource source;
    private readonly bool ownsSource;

    public BucketImageLoader(BucketConfig config, IImageSource source, bool ownsSource = false)
    {
        Config = config;
        Selector = new BucketSelector(config);
        this.source = source;
        this.ownsSource = ownsSource;
    }

    // Opens the config's image folders, resolved against the run file's folder when given.
    public static BucketImageLoader Open(BucketConfig config, string? runFile = null, Action<string>? warning = null)
    {
        var folders = config.Images.Select(p => runFile is null ? Path.GetFullPath(p) : Kohaku.Data.Config.RunFile.Resolve(runFile, p));
        return new BucketImageLoader(config, ImageSourceSet.Open(folders, warning), ownsSource: true);
    }

    public BucketConfig Config { get; }
    public BucketSelector Selector { get; }

    // Throws ImageSkippedException (with the reason) for a missing or unusable image.
    public ProcessedImage Load(long id, int epoch = 0)
    {
        using var image = Decode(id);
        var choice = Choose(id, image.Width, image.Height);
        var (left, top) = BucketCrop.CutOffsets(choice, Config.RandomCrop ? CropRandom(id, epoch) : null);
        var size = SdxlSizeMetadata.For(choice.Bucket, image.Width, image.Height);
        BucketCrop.ResizeAndCut(image, choice, left, top);
        return new ProcessedImage(id, BucketCrop.ToChw(image), choice, left, top, size);
    }

    public bool TryLoad(long id, out ProcessedImage? image, out SkippedImage? skipped, int epoch = 0)
    {
        try
        {
            (image, skipped) = (Load(id, epoch), null);
            return true;
        }
        catch (ImageSkippedException e)
        {
            (image, skipped) = (null, e.Skipped);
            return false;
        }
    }

    public Image<Rgb24> Decode(long id)
    {
        ImageBytes? bytes;
        try
        {
            bytes = source.Find(id);
        }
        catch (IOException e)
        {
            throw new ImageSkippedException(new SkippedImage(id, SkipReason.ReadError, e.Message));
        }
        if (bytes is null) throw new ImageSkippedException(new SkippedImage(id, SkipReason.Missing, "in no shard or folder"));
        return ImageDecoder.Decode(bytes, Config.MaxImagePixels);
    }

    public BucketChoice Choose(long id, int width, int height)
    {
        var choice = Selector.Select(width, height);
        if (choice.Bucket.Width == 0 || choice.Bucket.Height == 0)
            throw new ImageSkippedException(new SkippedImage(id, SkipReason.TooSmall, $"{width}x{height} has a side under one bucket step ({Config.Step})"));
        return choice;
    }

    private Random CropRandom(long id, int epoch) => new(unchecked((int)SeedMix.Of((ulong)Config.Seed, (ulong)id, (ulong)epoch)));

    public void Dispose()
    {
        if (ownsSource && source is IDisposable d) d.Dispose();
    }
}
