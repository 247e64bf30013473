using Kohaku.Diffusion.Tokenizer;

namespace Kohaku.Diffusion.Sdxl;

// One prompt's token ids for both encoders, n·77 each: TE1 padded with EOS (49407), TE2 with 0
// (sdxl-arch.md §7), as KohyaTokenChunks makes them.
public sealed record PromptIds(long[] Te1, long[] Te2)
{
    // kohaku's 225-token prompts: three 77-token chunks per encoder, each with its own padding.
    // The BPE runs once; only the padding differs between the encoders.
    public static PromptIds Encode(ClipTokenizer tokenizer, string text, int maxTokens = 225)
    {
        var tokens = tokenizer.Encode(text);
        return new(KohyaTokenChunks.Build(tokens, tokenizer.Bos, tokenizer.Eos, tokenizer.Eos, maxTokens),
            KohyaTokenChunks.Build(tokens, tokenizer.Bos, tokenizer.Eos, 0, maxTokens));
    }

    public void Validate()
    {
        if (Te1.Length == 0 || Te1.Length % SdxlConditioner.ChunkLength != 0 || Te1.Length != Te2.Length)
            throw new ArgumentException($"prompt ids must be n·{SdxlConditioner.ChunkLength} long for both encoders, got {Te1.Length} and {Te2.Length}");
    }
}
