using Kohaku.Diffusion.Lokr;

namespace Kohaku.Diffusion.Tests.Lokr;

public sealed class LokrFactorizationTests
{
    // The sheet's table (lycoris-lokr.md §2), produced by running LyCORIS's function unchanged.
    [Theory]
    [InlineData(320, -1, 16, 20), InlineData(320, 2, 2, 160), InlineData(320, 4, 4, 80), InlineData(320, 6, 5, 64), InlineData(320, 8, 8, 40), InlineData(320, 12, 10, 32), InlineData(320, 16, 16, 20), InlineData(320, 64, 5, 64)]
    [InlineData(640, -1, 20, 32), InlineData(640, 2, 2, 320), InlineData(640, 4, 4, 160), InlineData(640, 6, 5, 128), InlineData(640, 8, 8, 80), InlineData(640, 12, 10, 64), InlineData(640, 16, 16, 40), InlineData(640, 64, 10, 64)]
    [InlineData(768, -1, 24, 32), InlineData(768, 2, 2, 384), InlineData(768, 4, 4, 192), InlineData(768, 6, 6, 128), InlineData(768, 8, 8, 96), InlineData(768, 12, 12, 64), InlineData(768, 16, 16, 48), InlineData(768, 64, 12, 64)]
    [InlineData(1280, -1, 32, 40), InlineData(1280, 2, 2, 640), InlineData(1280, 4, 4, 320), InlineData(1280, 6, 5, 256), InlineData(1280, 8, 8, 160), InlineData(1280, 12, 10, 128), InlineData(1280, 16, 16, 80), InlineData(1280, 64, 20, 64)]
    [InlineData(2048, -1, 32, 64), InlineData(2048, 2, 2, 1024), InlineData(2048, 4, 4, 512), InlineData(2048, 6, 4, 512), InlineData(2048, 8, 8, 256), InlineData(2048, 12, 8, 256), InlineData(2048, 16, 16, 128), InlineData(2048, 64, 32, 64)]
    [InlineData(5120, -1, 64, 80), InlineData(5120, 2, 2, 2560), InlineData(5120, 4, 4, 1280), InlineData(5120, 6, 5, 1024), InlineData(5120, 8, 8, 640), InlineData(5120, 12, 10, 512), InlineData(5120, 16, 16, 320), InlineData(5120, 64, 64, 80)]
    [InlineData(10240, -1, 80, 128), InlineData(10240, 2, 2, 5120), InlineData(10240, 4, 4, 2560), InlineData(10240, 6, 5, 2048), InlineData(10240, 8, 8, 1280), InlineData(10240, 12, 10, 1024), InlineData(10240, 16, 16, 640), InlineData(10240, 64, 64, 160)]
    [InlineData(360, -1, 18, 20), InlineData(360, 2, 2, 180), InlineData(360, 4, 4, 90), InlineData(360, 8, 8, 45), InlineData(360, 12, 12, 30), InlineData(360, 16, 15, 24), InlineData(360, 64, 18, 20)]
    [InlineData(127, -1, 1, 127), InlineData(127, 2, 1, 127), InlineData(127, 4, 1, 127), InlineData(127, 8, 1, 127), InlineData(127, 12, 1, 127), InlineData(127, 16, 1, 127), InlineData(127, 64, 1, 127)]
    public void Factorize_SheetTable_ReturnsLycorisPair(long dimension, long factor, long small, long large)
    {
        Assert.Equal((small, large), LokrFactorization.Factorize(dimension, factor));
    }

    [Fact]
    public void Factorize_ZeroDimension_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LokrFactorization.Factorize(0, 8));
    }
}
