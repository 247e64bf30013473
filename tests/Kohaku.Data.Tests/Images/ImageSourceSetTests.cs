using Kohaku.Data.Images;

namespace Kohaku.Data.Tests.Images;

public class ImageSourceSetTests
{
    [Fact]
    public void Open_ShardAndLooseFolders_FirstThatHoldsIdWins()
    {
        using var shards = new ShardFixture();
        using var loose = new ShardFixture();
        shards.WriteTar("data-0005.tar", ("5.webp", [1]));
        loose.WriteFile("5.webp", [2]);
        loose.WriteFile("6.webp", [3]);

        using var set = ImageSourceSet.Open([shards.Folder, loose.Folder]);

        Assert.Equal([1], set.Find(5)!.Data);
        Assert.Equal([3], set.Find(6)!.Data);
        Assert.Null(set.Find(7));
    }
}
