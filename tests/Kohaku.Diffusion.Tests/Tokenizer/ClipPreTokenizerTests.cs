using Kohaku.Diffusion.Tokenizer;

namespace Kohaku.Diffusion.Tests.Tokenizer;

public sealed class ClipPreTokenizerTests
{
    [Fact]
    public void Split_MixedText_FollowsClipRegex()
    {
        var pieces = ClipPreTokenizer.Split("A  Dog's &amp;amp; 2024\tNIER:automata <|endoftext|> ^_^;");
        Assert.Equal(["a", "dog", "'s", "&", "2", "0", "2", "4", "nier", ":", "automata", "<|endoftext|>", "^_^;"], pieces);
    }
}
