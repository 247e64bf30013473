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

    [Fact]
    public void Build_CaptionBeforeImage_IndexesTheImage()
    {
        using var fixture = new ShardFixture();
        var tar = fixture.WriteTar("data-0003.tar", ("5123.txt", [9, 9]), ("5123.webp", [1, 2, 3]), ("5124.json", [7]));

        using var index = TarShardIndex.Build(tar);

        Assert.True(index.TryGet(5123, out var member));
        Assert.Equal(("5123.webp", "webp"), (member.Name, member.Extension));
        Assert.Equal([1, 2, 3], index.Read(member));
        Assert.False(index.TryGet(5124, out _));
    }

    [Theory]
    [InlineData(8L << 30)]
    [InlineData(1L << 40)]
    public void Build_SizeFieldBeyondTheFile_SkippedWithAWarning(long claimed)
    {
        using var fixture = new ShardFixture();
        var tar = fixture.WriteTar("data-0009.tar", ("9.webp", new byte[700]), ("1009.webp", new byte[100]));
        var bytes = File.ReadAllBytes(tar);
        SetSize(bytes.AsSpan(512 + 1024, 512), claimed);
        File.WriteAllBytes(tar, bytes);
        var warnings = new List<string>();

        using var index = TarShardIndex.Build(tar, warnings.Add);

        Assert.True(index.TryGet(9, out var first));
        Assert.Equal(700, index.Read(first).Length);
        Assert.False(index.TryGet(1009, out _));
        var warning = Assert.Single(warnings);
        Assert.Contains("1009.webp", warning);
        Assert.Contains($"{claimed:N0} bytes", warning);
    }

    // A ustar size field: 11 octal digits (or GNU base-256 above 8 GB), and the header checksum redone.
    private static void SetSize(Span<byte> header, long size)
    {
        var field = header.Slice(124, 12);
        if (size < (1L << 33))
        {
            System.Text.Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(field);
        }
        else
        {
            field.Clear();
            field[0] = 0x80;
            for (int i = 11; i >= 4; i--, size >>= 8) field[i] = (byte)size;
        }
        header.Slice(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in header) sum += b;
        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header.Slice(148, 8));
    }
}
