using Kohaku.Data.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Kohaku.Data.Images;

// Notebook 03's crop grid: a few assigned images run through the trainer's own path
// (BucketImageLoader.Load) and turned back from CHW floats into PNGs, so what is shown is exactly
// what the model will see. One image per bucket first (largest buckets first), then more. The PNGs
// are shrunk to `maxSide` (box filter) so a notebook can inline a dozen of them.
public static class BucketPreview
{
    public sealed record Crop(long Id, string Path, string Label);

    // Notebook form: opens the config's image folders and reads captions.jsonl itself.
    public static IReadOnlyList<Crop> WriteCrops(BucketConfig config, string runFile, BucketsFile buckets, string captionsPath, string folder, int count = 12, int maxSide = 384)
    {
        using var loader = BucketImageLoader.Open(config, runFile);
        var captions = new Dictionary<long, string>();
        foreach (var (id, caption) in Export.CaptionsFile.Read(captionsPath)) captions[id] = caption;
        return WriteCrops(loader, buckets, captions, folder, count, maxSide);
    }

    public static IReadOnlyList<Crop> WriteCrops(BucketImageLoader loader, BucketsFile buckets, IReadOnlyDictionary<long, string> captions, string folder, int count = 12, int maxSide = 384)
    {
        var picked = buckets.Images
            .GroupBy(i => i.BucketSize)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key)
            .SelectMany(g => g.Select((image, rank) => (image, rank)))
            .OrderBy(p => p.rank)
            .Take(count)
            .Select(p => p.image);
        var crops = new List<Crop>();
        foreach (var assignment in picked)
        {
            if (!loader.TryLoad(assignment.Id, out var image, out _)) continue;
            var path = System.IO.Path.Combine(folder, $"{assignment.Id}.png");
            using (var png = ToImage(image!))
            {
                double scale = Math.Min(1.0, (double)maxSide / Math.Max(png.Width, png.Height));
                if (scale < 1) png.Mutate(x => x.Resize(Math.Max(1, (int)(png.Width * scale)), Math.Max(1, (int)(png.Height * scale)), KnownResamplers.Box));
                AtomicFile.Write(path, s => png.SaveAsPng(s));
            }
            var caption = captions.TryGetValue(assignment.Id, out var c) ? c : "(no caption)";
            crops.Add(new Crop(assignment.Id, path, $"{assignment.Id} · {image!.Width}x{image.Height} · {caption}"));
        }
        return crops;
    }

    // Inverse of the normalisation: x = (v + 1) · 127.5, rounded and clamped.
    public static Image<Rgb24> ToImage(ProcessedImage image)
    {
        int width = image.Width, height = image.Height, plane = width * height;
        var result = new Image<Rgb24>(width, height);
        var pixels = image.Pixels;
        result.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < width; x++)
                {
                    int at = y * width + x;
                    row[x] = new Rgb24(Level(pixels[at]), Level(pixels[plane + at]), Level(pixels[2 * plane + at]));
                }
            }
        });
        return result;
    }

    private static byte Level(float v) => (byte)Math.Clamp(MathF.Round((v + 1f) * 127.5f), 0, 255);
}
