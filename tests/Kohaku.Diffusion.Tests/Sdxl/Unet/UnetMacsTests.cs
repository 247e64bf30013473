using Kohaku.Diffusion.Sdxl.Unet;

namespace Kohaku.Diffusion.Tests.Sdxl.Unet;

public sealed class UnetMacsTests
{
    // sdxl-arch.md §11: 1024² (latent 128²), text 77 → 3,381 GMAC = conv 812 + linear 2,177 + attention 392.
    [Fact]
    public void Forward_Sdxl1024_MatchesSheetSplit()
    {
        var m = UnetMacs.Forward(UnetConfig.Sdxl, 128, 128, 77);
        Assert.Equal(812, m.Conv / 1e9, 0);
        Assert.Equal(2177, m.Linear / 1e9, 0);
        Assert.Equal(392, m.Attention / 1e9, 0);
        Assert.Equal(3381, m.Total / 1e9, 0);
    }

    [Theory]
    [InlineData(104, 152, 3250)]   // 832×1216
    [InlineData(64, 64, 794)]      // 512×512
    public void Forward_SdxlOtherSizes_MatchSheetTotals(int h, int w, double gmac)
    {
        Assert.Equal(gmac, UnetMacs.Forward(UnetConfig.Sdxl, h, w, 77).Total / 1e9, 0);
    }
}
