using Kohaku.Data.Images;

namespace Kohaku.Data.Tests.Images;

public class TarShardSourceTests
{
    [Fact]
    public void Find_IdOnlyInSeries1_ReadsData1Shard()
    {
        using var fixture = new ShardFixture();
        fixture.WriteTar("data-0234.tar", ("234.webp", [1]));
        fixture.WriteTar("data-1234.tar", ("5234.webp", [5, 2, 3, 4]));
        using var source = new TarShardSource(fixture.Folder);

        var found = source.Find(5234);

        Assert.NotNull(found);
        Assert.Equal([5, 2, 3, 4], found.Data);
        Assert.Equal("webp", found.Extension);
        Assert.Equal("data-1234.tar:5234.webp", found.Origin);
    }

    [Fact]
    public void Find_IdInTwoSeries_LowerSeriesWins()
    {
        using var fixture = new ShardFixture();
        fixture.WriteTar("data-2234.tar", ("9234.webp", [2]));
        fixture.WriteTar("data-0234.tar", ("9234.webp", [0]));
        using var source = new TarShardSource(fixture.Folder);

        Assert.Equal([0], source.Find(9234)!.Data);
    }

    [Fact]
    public void Find_OtherBucketsShardHoldsId_NotFound()
    {
        using var fixture = new ShardFixture();
        fixture.WriteTar("data-0001.tar", ("2.webp", [1]));
        using var source = new TarShardSource(fixture.Folder);

        Assert.Null(source.Find(2));
        Assert.Null(source.Find(1));
    }

    [Fact]
    public void HasShards_FolderWithoutDataTars_False()
    {
        using var fixture = new ShardFixture();
        fixture.WriteFile("5.webp", [1]);
        fixture.WriteTar("other.tar", ("5.webp", [1]));

        Assert.False(TarShardSource.HasShards(fixture.Folder));
        fixture.WriteTar("data-0005.tar", ("5.webp", [1]));
        Assert.True(TarShardSource.HasShards(fixture.Folder));
    }
}
