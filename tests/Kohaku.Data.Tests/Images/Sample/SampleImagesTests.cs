using Kohaku.Samples.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Data.Tests.Images.Sample;

public class SampleImagesTests
{
    private static HashSet<Rgb24> Colours(Image<Rgb24> image)
    {
        var colours = new HashSet<Rgb24>();
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                colours.Add(image[x, y]);
        return colours;
    }

    [Theory]
    [InlineData(2000, 3000, 512, 768)]
    [InlineData(100, 50, 256, 128)]
    [InlineData(500, 400, 500, 400)]
    public void SampleSize_LongSideClampedTo256To768_AspectKept(int w, int h, int ew, int eh)
    {
        Assert.Equal((ew, eh), SampleImages.SampleSize(w, h));
    }

    [Fact]
    public void Draw_OneShapeOneTheme_ExactlyBackgroundAndThemeColours()
    {
        var post = new SamplePost(77, 600, 400, ["solo", "blue_background", "circle", "red_theme"]);

        using var image = SampleImages.Draw(post);

        Assert.Equal((600, 400), (image.Width, image.Height));
        Assert.Equal([SampleImages.Backgrounds["blue_background"], SampleImages.Themes["red_theme"]], Colours(image).OrderBy(c => c.R));
        Assert.Equal(SampleImages.Backgrounds["blue_background"], image[0, 0]);
    }

    [Fact]
    public void Draw_SamePost_SamePixels()
    {
        var post = new SamplePost(5, 300, 700, ["star_(symbol)", "heart", "stripes", "triangle", "green_theme", "yellow_theme", "black_background"]);

        using var a = SampleImages.Draw(post);
        using var b = SampleImages.Draw(post);

        var pa = new Rgb24[a.Width * a.Height];
        var pb = new Rgb24[b.Width * b.Height];
        a.CopyPixelDataTo(pa);
        b.CopyPixelDataTo(pb);
        Assert.Equal(pa, pb);
    }

    [Fact]
    public void Draw_NoVisualTags_PlainWhite()
    {
        using var image = SampleImages.Draw(new SamplePost(1, 256, 256, ["solo"]));

        Assert.Equal([new Rgb24(255, 255, 255)], Colours(image));
    }

    [Theory]
    [InlineData("circle", 0.785)]
    [InlineData("square", 1.0)]
    public void Draw_ShapeArea_MatchesGeometryOfItsBox(string shape, double fillOfBox)
    {
        using var image = SampleImages.Draw(new SamplePost(3, 400, 400, [shape, "red_theme"]));

        var painted = new List<(int X, int Y)>();
        for (int y = 0; y < 400; y++)
            for (int x = 0; x < 400; x++)
                if (image[x, y].Equals(SampleImages.Themes["red_theme"])) painted.Add((x, y));
        double box = (painted.Max(p => p.X) - painted.Min(p => p.X) + 1.0) * (painted.Max(p => p.Y) - painted.Min(p => p.Y) + 1.0);
        Assert.InRange(painted.Count / box, fillOfBox - 0.03, fillOfBox + 0.01);
    }
}
