using Kohaku.Data.Images;

namespace Kohaku.Data.Tests.Images;

public class FolderImageSourceTests
{
    [Fact]
    public void Find_IdFile_ReturnsBytesAndExtension()
    {
        using var fixture = new ShardFixture();
        fixture.WriteFile("42.png", [9, 9]);
        fixture.WriteFile("42.txt", [1]);
        fixture.WriteFile("notes.webp", [1]);

        var source = new FolderImageSource(fixture.Folder);

        var found = source.Find(42);
        Assert.NotNull(found);
        Assert.Equal([9, 9], found.Data);
        Assert.Equal("png", found.Extension);
        Assert.Null(source.Find(43));
    }

    [Fact]
    public void New_MissingFolder_ThrowsNamingIt()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => new FolderImageSource("/no/such/images"));
        Assert.Contains("/no/such/images", e.Message);
    }

    [Fact]
    public void ImageSourceSet_TwoFolders_FirstThatHoldsIdWins()
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
