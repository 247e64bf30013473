using Kohaku.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Samples.Images;

// Filled shapes painted straight into a pixel buffer (ImageSharp.Drawing is not referenced).
// Each shape is an inside-test over its bounding box, sampled at pixel centres: hard edges,
// exact colours, which is what a tiny model needs to tell the shapes apart.
internal static class ShapeRasterizer
{
    public static void Fill(Image<Rgb24> image, Rgb24 colour) => image.ProcessPixelRows(rows =>
    {
        for (int y = 0; y < rows.Height; y++) rows.GetRowSpan(y).Fill(colour);
    });

    public static void Disc(Image<Rgb24> image, double cx, double cy, double r, Rgb24 colour) =>
        Paint(image, cx - r, cy - r, cx + r, cy + r, colour, (x, y) => (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r);

    public static void Square(Image<Rgb24> image, double cx, double cy, double half, Rgb24 colour) =>
        Paint(image, cx - half, cy - half, cx + half, cy + half, colour, (_, _) => true);

    public static void Polygon(Image<Rgb24> image, IReadOnlyList<(double X, double Y)> points, Rgb24 colour)
    {
        double minX = points.Min(p => p.X), maxX = points.Max(p => p.X), minY = points.Min(p => p.Y), maxY = points.Max(p => p.Y);
        Paint(image, minX, minY, maxX, maxY, colour, (x, y) => Inside(points, x, y));
    }

    // The classic heart curve (x² + y² − 1)³ − x²y³ ≤ 0, y up, scaled so it spans about 2·size.
    public static void Heart(Image<Rgb24> image, double cx, double cy, double size, Rgb24 colour) =>
        Paint(image, cx - 1.2 * size, cy - 1.2 * size, cx + 1.2 * size, cy + 1.2 * size, colour, (x, y) =>
        {
            double u = (x - cx) / size * 1.15, v = -(y - cy) / size * 1.15 + 0.1;
            double a = u * u + v * v - 1;
            return a * a * a - u * u * v * v * v <= 0;
        });

    // Diagonal bands of `width` pixels, every other band painted, over the whole image.
    public static void Stripes(Image<Rgb24> image, double width, Rgb24 colour) =>
        Paint(image, 0, 0, image.Width, image.Height, colour, (x, y) => (int)Math.Floor((x + y) / width) % 2 == 0);

    public static (double X, double Y)[] Triangle(double cx, double cy, double r) =>
        [.. Enumerable.Range(0, 3).Select(i => Point(cx, cy, r, -Math.PI / 2 + i * 2 * Math.PI / 3))];

    public static (double X, double Y)[] Star(double cx, double cy, double r) =>
        [.. Enumerable.Range(0, 10).Select(i => Point(cx, cy, i % 2 == 0 ? r : r * 0.4, -Math.PI / 2 + i * Math.PI / 5))];

    private static (double, double) Point(double cx, double cy, double r, double angle) => (cx + r * Math.Cos(angle), cy + r * Math.Sin(angle));

    private static void Paint(Image<Rgb24> image, double minX, double minY, double maxX, double maxY, Rgb24 colour, Func<double, double, bool> inside)
    {
        int x0 = Math.Max(0, (int)Math.Floor(minX)), x1 = Math.Min(image.Width - 1, (int)Math.Ceiling(maxX));
        int y0 = Math.Max(0, (int)Math.Floor(minY)), y1 = Math.Min(image.Height - 1, (int)Math.Ceiling(maxY));
        image.ProcessPixelRows(rows =>
        {
            for (int y = y0; y <= y1; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = x0; x <= x1; x++)
                    if (inside(x + 0.5, y + 0.5)) row[x] = colour;
            }
        });
    }

    // Even-odd ray crossing.
    private static bool Inside(IReadOnlyList<(double X, double Y)> points, double x, double y)
    {
        bool inside = false;
        for (int i = 0, j = points.Count - 1; i < points.Count; j = i++)
        {
            var (xi, yi) = points[i];
            var (xj, yj) = points[j];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
        }
        return inside;
    }
}
