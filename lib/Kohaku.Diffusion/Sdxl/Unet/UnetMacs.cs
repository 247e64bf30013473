namespace Kohaku.Diffusion.Sdxl.Unet;

// Multiply-accumulates of one UNet forward for one sample, counted from the architecture as
// sdxl-arch.md §11 does: convolutions, linears, and the attention score and value matmuls; norms,
// activations and softmax left out. Latent height/width, text length L.
public sealed record UnetMacs(double Conv, double Linear, double Attention)
{
    public double Total => Conv + Linear + Attention;

    public static UnetMacs Forward(UnetConfig c, long height, long width, long textLength)
    {
        double conv = 0, linear = 0, attention = 0;
        var emb = c.TimeEmbedDim;
        linear += (double)c.ModelChannels * emb + (double)emb * emb + (double)c.AdmInChannels * emb + (double)emb * emb;

        void Conv(long cin, long cout, long k, long hw) => conv += (double)cin * cout * k * k * hw;
        void Res(long cin, long cout, long hw)
        {
            Conv(cin, cout, 3, hw);
            Conv(cout, cout, 3, hw);
            if (cin != cout) Conv(cin, cout, 1, hw);
            linear += (double)emb * cout;
        }
        void Transformer(long ch, int depth, long hw)
        {
            double cc = (double)ch * ch;
            linear += 2 * cc * hw;                                   // proj_in, proj_out
            for (var d = 0; d < depth; d++)
            {
                linear += 4 * cc * hw;                               // attn1 q k v out
                attention += 2.0 * hw * hw * ch;                     // attn1 QKᵀ and AV
                linear += 2 * cc * hw + 2.0 * c.ContextDim * ch * textLength;   // attn2 q out; k v on the text
                attention += 2.0 * hw * textLength * ch;             // attn2 QKᵀ and AV
                linear += 12 * cc * hw;                              // GEGLU c→8c, then 4c→c
            }
        }

        long h = height, w = width, ch = c.ModelChannels;
        Conv(c.InChannels, ch, 3, h * w);
        var skips = new Stack<long>([ch]);
        var levels = c.ChannelMult.Length;
        for (var level = 0; level < levels; level++)
        {
            for (var r = 0; r < c.NumResBlocks; r++)
            {
                var next = (long)c.ModelChannels * c.ChannelMult[level];
                Res(ch, next, h * w);
                ch = next;
                if (c.TransformerDepth[level] > 0) Transformer(ch, c.TransformerDepth[level], h * w);
                skips.Push(ch);
            }
            if (level != levels - 1)
            {
                h = (h + 1) / 2;
                w = (w + 1) / 2;
                Conv(ch, ch, 3, h * w);
                skips.Push(ch);
            }
        }
        Res(ch, ch, h * w);
        Transformer(ch, c.MiddleDepth, h * w);
        Res(ch, ch, h * w);
        for (var level = levels - 1; level >= 0; level--)
        {
            for (var r = 0; r <= c.NumResBlocks; r++)
            {
                var next = (long)c.ModelChannels * c.ChannelMult[level];
                Res(ch + skips.Pop(), next, h * w);
                ch = next;
                if (c.TransformerDepth[level] > 0) Transformer(ch, c.TransformerDepth[level], h * w);
                if (level > 0 && r == c.NumResBlocks)
                {
                    h *= 2;
                    w *= 2;
                    Conv(ch, ch, 3, h * w);
                }
            }
        }
        Conv(ch, c.OutChannels, 3, h * w);
        return new UnetMacs(conv, linear, attention);
    }

    // FLOPs (2 per MAC) of forward plus the backward a frozen-base (LoKr) step runs: input gradients
    // only, which cost one forward for convs and linears and two for the attention matmuls (both
    // operands are activations).
    public double FrozenTrainingFlops => 2 * (2 * (Conv + Linear) + 3 * Attention);
}
