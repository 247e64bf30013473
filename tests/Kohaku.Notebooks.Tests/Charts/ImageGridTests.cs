using Kohaku.Notebooks.Charts;

namespace Kohaku.Notebooks.Tests.Charts;

public sealed class ImageGridTests
{
    [Fact]
    public void FromBytes_Items_OneImgPerItemWithEncodedCaption()
    {
        var grid = ImageGrid.FromBytes([new([1, 2, 3], "1girl, <solo>"), new([4], "b", "image/jpeg")], columns: 2);
        Assert.Contains("grid-template-columns:repeat(2,256px)", grid.Html);
        Assert.Contains("<img src=\"data:image/png;base64,AQID\"", grid.Html);
        Assert.Contains("<img src=\"data:image/jpeg;base64,BA==\"", grid.Html);
        Assert.Contains("<figcaption style=\"font-size:12px;word-break:break-word\">1girl, &lt;solo&gt;</figcaption>", grid.Html);
    }

    [Fact]
    public void FromFiles_CaptionCountMismatch_Throws()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var a = Path.Combine(dir, "a.png");
        File.WriteAllBytes(a, [9]);
        Assert.Contains("1 images but 2 captions", Assert.Throws<ArgumentException>(() => ImageGrid.FromFiles([a], ["x", "y"])).Message);
        Assert.Contains(">a.png</figcaption>", ImageGrid.FromFiles([a]).Html);
    }
}
