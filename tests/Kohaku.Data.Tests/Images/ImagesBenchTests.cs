using Kohaku.Bench;
using Kohaku.Data.Images;

namespace Kohaku.Data.Tests.Images;

public class ImagesBenchTests
{
    [Fact]
    public void ChildCpu_BashTimesOutput_SumsChildrenUserAndSystem()
    {
        var cpu = ImagesBench.ChildCpu("0m0.002s 0m0.001s\n1m2.500s 0m0.250s\n");

        Assert.Equal(TimeSpan.FromSeconds(62.75), cpu);
    }

    [Fact]
    public void Stage_IsImages()
    {
        Assert.Equal("images", new ImagesBench().Stage);
    }
}
