using Kohaku.Diffusion.Tokenizer;

namespace Kohaku.Diffusion.Tests.Tokenizer;

public sealed class ClipTokenizerTests
{
    [Fact]
    public void FromFiles_SmallVocab_ReadsSpecialIdsFromVocab()
    {
        using var files = new TokenizerFiles();
        var tok = ClipTokenizer.FromFiles(files.VocabPath, files.MergesPath);
        Assert.Equal(9, tok.Bos);
        Assert.Equal(10, tok.Eos);
        Assert.Equal(13, tok.VocabSize);
    }

    [Theory]
    [InlineData("hello", new[] { 8 })]            // h e l l o</w> → he · ll · llo</w> → hello</w>
    [InlineData("  HELLO  ", new[] { 8 })]        // trimmed and lowercased
    [InlineData("ＨＥＬＬＯ", new[] { 8 })]           // ftfy turns full-width letters into ASCII
    [InlineData("&#x68;e&#108;lo", new[] { 8 })]  // numeric references decoded before the split
    [InlineData("ello", new[] { 1, 7 })]          // e l l o</w> → e ll o</w> → e llo</w>
    [InlineData("hello,hello", new[] { 8, 12, 8 })] // letters and punctuation are separate words
    [InlineData("he", new[] { 0, 11 })]           // "he" merges only before "</w>" is glued: h e</w> stays split
    [InlineData("hello <|endoftext|>", new[] { 8, 10 })]
    [InlineData("llllo", new[] { 6, 7 })]         // l l l l o</w>: every (l, l) merges left to right → ll ll o</w> → ll llo</w>
    [InlineData("lllo", new[] { 6, 2, 4 })]       // ll l o</w>: no ranked pair left
    public void Encode_Text_ExactIds(string text, int[] expected)
    {
        using var files = new TokenizerFiles();
        var tok = ClipTokenizer.FromFiles(files.VocabPath, files.MergesPath);
        Assert.Equal(expected, tok.Encode(text));
    }

    [Fact]
    public void Encode_SymbolOutsideVocab_BecomesEos()
    {
        using var files = new TokenizerFiles();
        var tok = ClipTokenizer.FromFiles(files.VocabPath, files.MergesPath);
        Assert.Equal([0, 3, 2, 11], tok.Encode("hole"));  // no ranked pair: byte symbols stay
        Assert.Equal([5, 10], tok.Encode("hex"));         // he · x</w>, and x</w> is not in the vocabulary
    }

    [Fact]
    public void EncodeChunks_Te1PadIsEos_ThreeChunksOf77()
    {
        using var files = new TokenizerFiles();
        var tok = ClipTokenizer.FromFiles(files.VocabPath, files.MergesPath);
        var ids = tok.EncodeChunks("hello ello", tok.Eos);
        Assert.Equal(3 * 77, ids.Length);
        Assert.Equal([9L, 8, 1, 7, 10, 10], ids[..6]);
        Assert.Equal(10L, ids[76]);
        Assert.Equal([9L, 10], ids[77..79]);
        Assert.All(ids[155..], id => Assert.Equal(10L, id));
        Assert.Equal(9L, ids[154]);
    }

    [Fact]
    public void Decode_EncodedText_RoundTrips()
    {
        using var files = new TokenizerFiles();
        var tok = ClipTokenizer.FromFiles(files.VocabPath, files.MergesPath);
        Assert.Equal("hello , ello", tok.Decode(tok.Encode("Hello, ello")));
    }

    [Fact]
    public void FromFiles_MergeIntoUnknownToken_ThrowsNamingFileAndLine()
    {
        using var files = new TokenizerFiles(merges: "#version: 0.2\nh e\nx y\n");
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromFiles(files.VocabPath, files.MergesPath));
        Assert.Contains(files.MergesPath, e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("'xy'", e.Message);
    }

    [Fact]
    public void FromFiles_NoEndOfText_ThrowsNamingFile()
    {
        using var files = new TokenizerFiles(vocab: "{\"h\":0,\"<|startoftext|>\":1}");
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromFiles(files.VocabPath, files.MergesPath));
        Assert.Contains(files.VocabPath, e.Message);
        Assert.Contains("<|endoftext|>", e.Message);
    }

    [Fact]
    public void Encode_NonAsciiOnSampleVocab_UsesByteSymbols()
    {
        var folder = TokenizerFiles.SampleFolder();
        var tok = ClipTokenizer.FromFiles(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"));
        // "é" is UTF-8 C3 A9 → symbols "Ã" (id 94 + 12 + 0xC3 - 0xAE = 127) and "©</w>" (256 + 94 + 0xA9 - 0xA1 = 358).
        Assert.Equal([127, 358], tok.Encode("é"));
        Assert.Equal("é", tok.Decode([127, 358]));
    }

    [Fact]
    public void Encode_FullWidthAndEntitiesOnSampleVocab_SameIdsAsPlainText()
    {
        var folder = TokenizerFiles.SampleFolder();
        var tok = ClipTokenizer.FromFiles(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"));
        Assert.Single(tok.Encode("ｍａｓｔｅｒｐｉｅｃｅ"));
        Assert.Equal(tok.Encode("masterpiece"), tok.Encode("ｍａｓｔｅｒｐｉｅｃｅ"));
        Assert.Equal(tok.Encode("best quality"), tok.Encode("ＢＥＳＴ\u3000ＱＵＡＬＩＴＹ"));
        Assert.Equal(tok.Encode("star (symbol)"), tok.Encode("star &#40;symbol&#41"));
        Assert.Equal(tok.Encode("1girl, solo"), tok.Encode("1girl&comma; solo"));
    }

    [Fact]
    public void FromFiles_SampleVocab_EncodesCaptionWordsAsSingleTokens()
    {
        var folder = TokenizerFiles.SampleFolder();
        var tok = ClipTokenizer.FromFiles(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"));

        Assert.Equal(tok.VocabSize - 2, tok.Bos);
        Assert.Equal(tok.VocabSize - 1, tok.Eos);
        foreach (var word in new[] { "1girl", "solo", "long hair", "masterpiece", "best quality", "newest", "sensitive", "|||", "star (symbol)" })
        {
            var ids = tok.Encode(word);
            Assert.Equal(word, tok.Decode(ids).Replace("( ", "(").Replace(" )", ")").Replace("1 girl", "1girl"));
        }
        Assert.Single(tok.Encode("masterpiece"));
        Assert.Equal(2, tok.Encode("best quality").Length);
        Assert.Equal(2, tok.Encode("1girl").Length); // a digit is always its own word in CLIP's split
    }
}
