using Kohaku.Diffusion.Tokenizer;

namespace Kohaku.Diffusion.Tests.Tokenizer;

public sealed class ClipVocabBuilderTests
{
    [Fact]
    public void Build_SmallCorpus_MostFrequentPairFirstSpecialsLast()
    {
        // Words: "aa" twice, "ab" once → (a, a</w>) count 2 is merged before (a, b</w>) count 1.
        var vocab = ClipVocabBuilder.Build(["aa ab", "aa"]);
        Assert.Equal([("a", "a</w>"), ("a", "b</w>")], vocab.Merges);
        Assert.Equal(516, vocab.Count);
        Assert.Equal(["aa</w>", "ab</w>", "<|startoftext|>", "<|endoftext|>"], vocab.Tokens.Skip(512));
    }

    [Fact]
    public void Build_TiedCounts_OrdinalSmallerPairFirst()
    {
        var vocab = ClipVocabBuilder.Build(["cd ab"]);
        Assert.Equal([("a", "b</w>"), ("c", "d</w>")], vocab.Merges);
    }

    [Fact]
    public void Build_MaxMerges_StopsEarly()
    {
        var vocab = ClipVocabBuilder.Build(["abcdef"], maxMerges: 2);
        Assert.Equal(2, vocab.Merges.Count);
        Assert.Equal(516, vocab.Count);
    }

    [Fact]
    public void Build_EmptyCorpus_BaseLayoutMatchesClip()
    {
        // Known ids of OpenAI CLIP's vocabulary: "!" 0, "a" 64, "!</w>" 256, "a</w>" 320,
        // and the first unprintable byte (0x00) right after the 188 printable ones.
        var tokens = ClipVocabBuilder.Build([]).Tokens;
        Assert.Equal("!", tokens[0]);
        Assert.Equal("a", tokens[64]);
        Assert.Equal("!</w>", tokens[256]);
        Assert.Equal("a</w>", tokens[320]);
        Assert.Equal("\u0100", tokens[188]);
        Assert.Equal("Ġ", tokens[188 + 32]);   // space (byte 0x20) is the 33rd unprintable byte
        Assert.Equal(514, tokens.Count);
    }

    [Fact]
    public void Build_SampleCorpus_ReproducesCommittedFilesAndCoversEveryWord()
    {
        var folder = TokenizerFiles.SampleFolder();
        var corpus = ClipVocabBuilder.ReadCorpus(Path.Combine(folder, "corpus.txt")).ToList();
        var vocab = ClipVocabBuilder.Build(corpus);
        var scratch = Path.Combine(Path.GetTempPath(), "kohaku-vocab-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(scratch);
            ClipVocabBuilder.Write(vocab, scratch);
            Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "vocab.json")), File.ReadAllBytes(Path.Combine(scratch, "vocab.json")));
            Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "merges.txt")), File.ReadAllBytes(Path.Combine(scratch, "merges.txt")));
            Assert.True(new FileInfo(Path.Combine(folder, "vocab.json")).Length + new FileInfo(Path.Combine(folder, "merges.txt")).Length < 200_000);

            var tok = ClipTokenizer.FromFiles(Path.Combine(scratch, "vocab.json"), Path.Combine(scratch, "merges.txt"));
            Assert.Equal(vocab.Count, tok.VocabSize);
            foreach (var word in corpus.SelectMany(ClipPreTokenizer.Split))
                Assert.True(tok.Encode(word).Length == 1, $"'{word}' is not one token");
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
