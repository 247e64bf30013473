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
}
