using Kohaku.Diffusion.Tokenizer;

namespace Kohaku.Diffusion.Tests.Tokenizer;

public sealed class KohyaTokenChunksTests
{
    private const int Bos = 49406, Eos = 49407;

    private static int[] Tokens(int count) => Enumerable.Range(1, count).ToArray();

    private static long[] Row(params IEnumerable<long>[] parts) => parts.SelectMany(p => p).ToArray();

    private static IEnumerable<long> Run(long from, int count) => Enumerable.Range(0, count).Select(i => from + i);

    private static IEnumerable<long> Repeat(long id, int count) => Enumerable.Repeat(id, count);

    private static long[] Chunk(long[] ids, int c) => ids[(c * 77)..((c + 1) * 77)];

    [Fact]
    public void Build_Te1EightyTokens_EveryChunkEndsWithEos()
    {
        var ids = KohyaTokenChunks.Build(Tokens(80), Bos, Eos, pad: Eos);
        Assert.Equal(231, ids.Length);
        Assert.Equal(Row([Bos], Run(1, 75), [Eos]), Chunk(ids, 0));
        Assert.Equal(Row([Bos], Run(76, 5), Repeat(Eos, 71)), Chunk(ids, 1));
        Assert.Equal(Row([Bos], Repeat(Eos, 76)), Chunk(ids, 2));
    }

    [Fact]
    public void Build_Te2EightyTokens_FullChunkGetsEosEmptyChunkGetsEosSecond()
    {
        var ids = KohyaTokenChunks.Build(Tokens(80), Bos, Eos, pad: 0);
        // The sequence's last id is pad (0); a chunk full of tokens gets EOS in its last slot.
        Assert.Equal(Row([Bos], Run(1, 75), [Eos]), Chunk(ids, 0));
        // Tokens 76..80, the sequence's EOS, then zero padding; the 76th id is pad: unchanged.
        Assert.Equal(Row([Bos], Run(76, 5), [Eos], Repeat(0, 70)), Chunk(ids, 1));
        // Nothing left: [BOS, pad, ...] becomes [BOS, EOS, pad, ...].
        Assert.Equal(Row([Bos, Eos], Repeat(0, 75)), Chunk(ids, 2));
    }

    [Fact]
    public void Build_Te2ExactlySeventyFiveTokens_SecondChunkStartsWithSequenceEos()
    {
        var ids = KohyaTokenChunks.Build(Tokens(75), Bos, Eos, pad: 0);
        Assert.Equal(Row([Bos], Run(1, 75), [Eos]), Chunk(ids, 0));
        Assert.Equal(Row([Bos, Eos], Repeat(0, 75)), Chunk(ids, 1));
        Assert.Equal(Row([Bos, Eos], Repeat(0, 75)), Chunk(ids, 2));
    }

    [Theory]
    [InlineData(Eos)]
    [InlineData(0)]
    public void Build_LongerThan225_TruncatedKeepingEosLast(int pad)
    {
        var ids = KohyaTokenChunks.Build(Tokens(300), Bos, Eos, pad);
        Assert.Equal(Row([Bos], Run(1, 75), [Eos]), Chunk(ids, 0));
        Assert.Equal(Row([Bos], Run(76, 75), [Eos]), Chunk(ids, 1));
        Assert.Equal(Row([Bos], Run(151, 75), [Eos]), Chunk(ids, 2));
    }

    [Fact]
    public void Build_MaxTokens75_PlainSequenceWithoutFixUps()
    {
        var ids = KohyaTokenChunks.Build(Tokens(3), Bos, Eos, pad: 0, maxTokens: 75);
        Assert.Equal(Row([Bos, 1, 2, 3, Eos], Repeat(0, 72)), ids);
    }

    [Fact]
    public void Build_MaxTokens150_TwoChunks()
    {
        var ids = KohyaTokenChunks.Build(Tokens(2), Bos, Eos, pad: Eos, maxTokens: 150);
        Assert.Equal(Row([Bos, 1, 2], Repeat(Eos, 74), [Bos], Repeat(Eos, 76)), ids);
    }

    [Fact]
    public void Build_MaxTokensNotMultipleOf75_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KohyaTokenChunks.Build(Tokens(1), Bos, Eos, Eos, maxTokens: 100));
}
