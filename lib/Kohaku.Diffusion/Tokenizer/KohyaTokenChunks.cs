namespace Kohaku.Diffusion.Tokenizer;

// kohya's long-prompt layout (kohya-sdxl.md §3.1, --max_token_length 225): the ids are laid out
// as one HF sequence of maxTokens+2 ([BOS] + first maxTokens tokens + [EOS], then pad), which is
// cut into maxTokens/75 chunks of 77: chunk i = [BOS] + seq[1+75i .. 75+75i] + [seq's last id].
// With pad == EOS (TE1) nothing more happens. With pad != EOS (TE2, pad 0): a chunk whose
// 76th id is neither EOS nor pad gets EOS in its last slot, and an empty chunk ([BOS, pad, ...])
// gets EOS in its 2nd slot. maxTokens 75 is the plain 77-token sequence, no fix-ups.
public static class KohyaTokenChunks
{
    public const int ChunkLength = 77;
    public const int ChunkTokens = 75;

    public static long[] Build(IReadOnlyList<int> tokens, int bos, int eos, int pad, int maxTokens = 225)
    {
        if (maxTokens <= 0 || maxTokens % ChunkTokens != 0)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "must be a positive multiple of 75 (kohya: 75, 150 or 225)");
        var sequence = new long[maxTokens + 2];
        Array.Fill(sequence, pad);
        sequence[0] = bos;
        var kept = Math.Min(tokens.Count, maxTokens);
        for (var i = 0; i < kept; i++)
            sequence[1 + i] = tokens[i];
        sequence[1 + kept] = eos;
        if (maxTokens == ChunkTokens)
            return sequence;

        var chunks = maxTokens / ChunkTokens;
        var result = new long[chunks * ChunkLength];
        for (var c = 0; c < chunks; c++)
        {
            var chunk = result.AsSpan(c * ChunkLength, ChunkLength);
            chunk[0] = sequence[0];
            sequence.AsSpan(1 + c * ChunkTokens, ChunkTokens).CopyTo(chunk[1..]);
            chunk[^1] = sequence[^1];
            if (pad == eos)
                continue;
            if (chunk[^2] != eos && chunk[^2] != pad)
                chunk[^1] = eos;
            if (chunk[1] == pad)
                chunk[1] = eos;
        }
        return result;
    }
}
