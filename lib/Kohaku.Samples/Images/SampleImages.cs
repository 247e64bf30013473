using Kohaku.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Samples.Images;

// The sample's pictures follow their "visual" tags (the contract with the sample database): the
// background colour tag fills the canvas, each shape tag paints one shape, the theme tags colour
// the shapes. So a tiny model trained on the sample can learn "red circle on blue background".
// Deterministic in (id, size, tags); scaled so the long side is 256–768 px, aspect kept.
public static class SampleImages
{
    public const int MaxSide = 768, MinSide = 256;

    public static readonly IReadOnlyDictionary<string, Rgb24> Backgrounds = new Dictionary<string, Rgb24>
    {
        ["white_background"] = new(255, 255, 255), ["black_background"] = new(16, 16, 16),
        ["red_background"] = new(170, 25, 35), ["blue_background"] = new(30, 55, 165),
        ["green_background"] = new(30, 125, 55), ["yellow_background"] = new(225, 195, 50),
        ["purple_background"] = new(115, 45, 155),
    };

    // Brighter than the same-named backgrounds, so a red shape still shows on a red background.
    public static readonly IReadOnlyDictionary<string, Rgb24> Themes = new Dictionary<string, Rgb24>
    {
        ["red_theme"] = new(245, 70, 70), ["blue_theme"] = new(80, 140, 255),
        ["green_theme"] = new(70, 220, 100), ["yellow_theme"] = new(255, 240, 90),
    };

    public static IReadOnlyList<string> Shapes => SampleVocabulary.Shapes;

    private static readonly Rgb24 Grey = new(128, 128, 128);

    public static (int Width, int Height) SampleSize(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"post size {width}x{height} is not positive");
        int longSide = Math.Max(width, height);
        double scale = Math.Clamp(longSide, MinSide, MaxSide) / (double)longSide;
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    public static Image<Rgb24> Draw(SamplePost post)
    {
        var (width, height) = SampleSize(post.Width, post.Height);
        return DrawAt(post, width, height);
    }

    // The same picture at a chosen pixel size (the images benchmark draws 4-megapixel ones).
    public static Image<Rgb24> DrawAt(SamplePost post, int width, int height)
    {
        var image = new Image<Rgb24>(width, height);
        var tags = post.GeneralTags.ToHashSet(StringComparer.Ordinal);
        var background = Backgrounds.Where(b => tags.Contains(b.Key)).Select(b => b.Value).DefaultIfEmpty(Backgrounds["white_background"]).First();
        var themes = Themes.Where(t => tags.Contains(t.Key)).Select(t => t.Value).DefaultIfEmpty(Grey).ToArray();
        ShapeRasterizer.Fill(image, background);

        var random = new Random(unchecked((int)(post.Id * 2654435761L)));
        var shapes = Shapes.Where(tags.Contains).ToList();
        double shortSide = Math.Min(width, height);
        // Stripes go under everything else; other shapes sit in their own column of the image.
        if (shapes.Remove("stripes")) ShapeRasterizer.Stripes(image, Math.Max(4, shortSide / 12), themes[^1]);
        for (int i = 0; i < shapes.Count; i++)
        {
            double slot = (double)width / shapes.Count;
            double r = Math.Min(slot, height) * (0.28 + 0.1 * random.NextDouble());
            double cx = slot * (i + 0.5) + (random.NextDouble() - 0.5) * (slot - 2 * r) * 0.5;
            double cy = height / 2.0 + (random.NextDouble() - 0.5) * (height - 2 * r) * 0.6;
            var colour = themes[i % themes.Length];
            switch (shapes[i])
            {
                case "circle": ShapeRasterizer.Disc(image, cx, cy, r, colour); break;
                case "square": ShapeRasterizer.Square(image, cx, cy, r * 0.85, colour); break;
                case "triangle": ShapeRasterizer.Polygon(image, ShapeRasterizer.Triangle(cx, cy, r), colour); break;
                case "star_(symbol)": ShapeRasterizer.Polygon(image, ShapeRasterizer.Star(cx, cy, r), colour); break;
                case "heart": ShapeRasterizer.Heart(image, cx, cy, r, colour); break;
            }
        }
        return image;
    }
}
