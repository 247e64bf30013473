using Kohaku.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Kohaku.Data.Tests.Images;

public class BucketCropTests
{
    private static Image<Rgb24> Gradient(int width, int height)
    {
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = new Rgb24((byte)(x * 255 / width), (byte)(y * 255 / height), (byte)((x * y) % 256));
        return image;
    }

    [Theory]
    [InlineData(300, 200, 128, 128, 192, 128, 32, 0)]   // shrink (box), cut left
    [InlineData(50, 90, 64, 128, 71, 128, 3, 0)]        // grow (Lanczos3), cut left
    [InlineData(90, 50, 128, 64, 128, 71, 0, 7)]        // grow, cut top at the far end
    public void ResizeAndCut_OnePass_EqualsResizeThenCrop(int w, int h, int bw, int bh, int rw, int rh, int left, int top)
    {
        var choice = new BucketChoice(new BucketSize(bw, bh), rw, rh, 0);
        using var onePass = Gradient(w, h);
        using var twoPass = Gradient(w, h);

        BucketCrop.ResizeAndCut(onePass, choice, left, top);
        twoPass.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(rw, rh), Mode = ResizeMode.Stretch, Sampler = BucketCrop.SamplerFor(w, h, choice) })
            .Crop(new Rectangle(left, top, bw, bh)));

        Assert.Equal((bw, bh), (onePass.Width, onePass.Height));
        int worst = 0;
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++)
            {
                var a = onePass[x, y];
                var b = twoPass[x, y];
                worst = Math.Max(worst, Math.Max(Math.Abs(a.R - b.R), Math.Max(Math.Abs(a.G - b.G), Math.Abs(a.B - b.B))));
            }
        Assert.True(worst <= 1, $"largest channel difference {worst}");
    }

    [Fact]
    public void SamplerFor_ShrinkBothSides_BoxElseLanczos3()
    {
        Assert.Same(KnownResamplers.Box, BucketCrop.SamplerFor(2000, 3000, new BucketChoice(new BucketSize(832, 1216), 832, 1248, 0)));
        Assert.Same(KnownResamplers.Lanczos3, BucketCrop.SamplerFor(500, 750, new BucketChoice(new BucketSize(832, 1216), 832, 1248, 0)));
    }

    [Fact]
    public void CutOffsets_Centre_HalfExcessFloored()
    {
        var choice = new BucketChoice(new BucketSize(832, 1216), 832, 1249, 0);

        Assert.Equal((0, 16), BucketCrop.CutOffsets(choice, null));
    }

    [Fact]
    public void CutOffsets_Random_WithinExcessAndReachesBothEnds()
    {
        var choice = new BucketChoice(new BucketSize(64, 64), 67, 64, 0);
        var random = new Random(1);

        var lefts = Enumerable.Range(0, 200).Select(_ => BucketCrop.CutOffsets(choice, random).Left).ToHashSet();

        Assert.Equal([0, 1, 2, 3], lefts.Order());
    }

    [Fact]
    public void ToChw_BlackWhiteRed_PlanesInMinusOneToOne()
    {
        using var image = new Image<Rgb24>(2, 1);
        image[0, 0] = new Rgb24(255, 0, 0);
        image[1, 0] = new Rgb24(255, 255, 255);

        var chw = BucketCrop.ToChw(image);

        // R plane, G plane, B plane, each [pixel0, pixel1].
        Assert.Equal([1f, 1f, -1f, 1f, -1f, 1f], chw);
    }
}
