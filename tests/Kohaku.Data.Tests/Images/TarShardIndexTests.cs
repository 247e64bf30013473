using Kohaku.Data.Images;

namespace Kohaku.Data.Tests.Images;

public class TarShardIndexTests
{
    [Fact]
    public void Build_Members_ReadBackByOffsetUnchanged()
    {
        using var fixture = new ShardFixture();
        byte[] a = [1, 2, 3], b = [.. Enumerable.Range(0, 1500).Select(i => (byte)i)];
        var tar = fixture.WriteTar("data-0007.tar", ("7.webp", a), ("1007.webp", b));

        using var index = TarShardIndex.Build(tar);

        Assert.Equal(2, index.Count);
        Assert.True(index.TryGet(1007, out var member));
        Assert.Equal(("1007.webp", "webp", 1500L), (member.Name, member.Extension, member.Length));
        Assert.Equal(b, index.Read(member));
        Assert.True(index.TryGet(7, out member));
        Assert.Equal(a, index.Read(member));
    }

    [Fact]
    public void Build_DuplicateId_FirstMemberWins()
    {
        using var fixture = new ShardFixture();
        var tar = fixture.WriteTar("data-0007.tar", ("7.webp", [1]), ("7.png", [2]));

        using var index = TarShardIndex.Build(tar);

        Assert.True(index.TryGet(7, out var member));
        Assert.Equal([1], index.Read(member));
    }

    [Fact]
    public void Build_NonIdNames_Ignored()
    {
        using var fixture = new ShardFixture();
        var tar = fixture.WriteTar("data-0007.tar", ("readme.txt", [1]), ("sub/2007.webp", [2]), ("noext", [3]));

        using var index = TarShardIndex.Build(tar);

        Assert.Equal([2007L], index.Ids);
    }

    [Fact]
    public void Build_TarCutInLastMember_KeepsEarlierAndReadNamesShard()
    {
        using var fixture = new ShardFixture();
        var tar = fixture.WriteTar("data-0007.tar", ("7.webp", new byte[700]), ("1007.webp", new byte[5000]));
        var bytes = File.ReadAllBytes(tar);
        File.WriteAllBytes(tar, bytes[..(512 + 1024 + 512 + 100)]);
        var warnings = new List<string>();

        using var index = TarShardIndex.Build(tar, warnings.Add);

        Assert.True(index.TryGet(7, out var first));
        Assert.Equal(700, index.Read(first).Length);
        if (index.TryGet(1007, out var cut))
        {
            var e = Assert.Throws<EndOfStreamException>(() => index.Read(cut));
            Assert.Contains("data-0007.tar", e.Message);
        }
        else Assert.Single(warnings);
    }
}
