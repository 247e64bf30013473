using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.Sdxl.TextEncoders;
using Kohaku.Diffusion.Tokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl;

// How the pooled TE2 state meets the stored text_projection P [width, proj] (kohya-sdxl.md §6.3).
// Sgm: x @ P, as OpenCLIP, SGM, diffusers and ComfyUI compute it; the base model was trained so.
// KohyaTransposed: x @ Pᵀ, what sd-scripts computes when it loads a single-file checkpoint (it
// copies P into a Linear weight); only for reproducing a kohya run bit for bit.
public enum PooledProjection { Sgm, KohyaTransposed }

// Text and size conditioning as SDXL consumes it (sdxl-arch.md §3.6, §4; kohya-sdxl.md §3.2-3.3):
// crossattn context = TE1 hidden after 11 layers ++ TE2 hidden after 31 layers (no final norms),
// vector y = TE2 pooled projection ++ six sinusoidal size embeddings.
public sealed class SdxlConditioner(ClipTextModel te1, OpenClipTextModel te2, int sizeEmbedDim, PooledProjection projection = PooledProjection.Sgm)
{
    public const int ChunkLength = KohyaTokenChunks.ChunkLength;

    public SdxlConditioner(SdxlModels models, PooledProjection projection = PooledProjection.Sgm)
        : this(models.Te1, models.Te2, models.Config.SizeEmbedDim, projection) { }

    public int ContextDim => te1.Config.Hidden + te2.Config.Width;

    public int VectorDim => te2.Config.ProjectionDim + 6 * sizeEmbedDim;

    // te1Ids, te2Ids: [B, n·77] int64, n chunks of 77 as the tokenizer makes them (TE1 padded with
    // EOS, TE2 with 0) → context [B, 75n+2, ContextDim], pooled [B, ProjectionDim].
    // Long prompts follow kohya: each chunk is encoded alone, then one sequence is rebuilt from the
    // BOS state of chunk 0, positions 1..75 of every chunk and the last state of the last chunk
    // (227 for 3 chunks); the pooled vector comes from chunk 0 only.
    public (Tensor Context, Tensor Pooled) Encode(Tensor te1Ids, Tensor te2Ids)
    {
        if (te1Ids.ndim != 2 || te1Ids.shape[1] % ChunkLength != 0 || !te1Ids.shape.SequenceEqual(te2Ids.shape))
            throw new ArgumentException($"token ids must be [B, n·{ChunkLength}] for both encoders, got [{string.Join(", ", te1Ids.shape)}] and [{string.Join(", ", te2Ids.shape)}]");
        using var scope = NewDisposeScope();
        var batch = te1Ids.shape[0];
        var chunks = te1Ids.shape[1] / ChunkLength;
        // [B, n·77] → [B·n, 77]: chunks of one prompt are consecutive rows.
        var ids1 = te1Ids.reshape(batch * chunks, ChunkLength);
        var ids2 = te2Ids.reshape(batch * chunks, ChunkLength);
        var hidden1 = te1.ContextHidden(ids1);
        var (hidden2, final2) = te2.Encode(ids2);
        var context = cat([Rejoin(hidden1, batch, chunks), Rejoin(hidden2.to(hidden1.dtype), batch, chunks)], -1);

        // Pool at the first EOS of chunk 0: EOS is the largest id and TE2 pads with 0, so argmax finds it.
        var rows = Scalars.Arange(batch, ScalarType.Int64, te2Ids.device);
        var firstChunk = rows.Times(chunks);
        var eos = ids2.index_select(0, firstChunk).argmax(1);
        var pooledState = final2.index_select(0, firstChunk)[rows, eos];
        var p = te2.TextProjection.to(pooledState.dtype);
        var pooled = projection == PooledProjection.Sgm ? pooledState.matmul(p) : pooledState.matmul(p.t());
        return (context.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope());
    }

    // pooled [B, ProjectionDim] ++ sinusoidal embeddings of the six size scalars → y [B, VectorDim].
    public Tensor SizeVector(Tensor pooled, IReadOnlyList<SizeCondition> sizes)
    {
        if (pooled.shape[0] != sizes.Count) throw new ArgumentException($"{pooled.shape[0]} pooled rows but {sizes.Count} size conditions");
        using var scope = NewDisposeScope();
        var embeddings = SizeEmbedding(sizes, sizeEmbedDim).to(pooled.dtype, pooled.device);
        return cat([pooled, embeddings], 1).MoveToOuterDisposeScope();
    }

    // [B, 6·dim]: each scalar embedded on its own (cos first), in SizeCondition.Values order.
    public static Tensor SizeEmbedding(IReadOnlyList<SizeCondition> sizes, int dim)
    {
        using var scope = NewDisposeScope();
        var values = tensor(sizes.SelectMany(s => s.Values).Select(v => (float)v).ToArray());
        return SinusoidalEmbedding.Embed(values, dim).reshape(sizes.Count, 6 * dim).MoveToOuterDisposeScope();
    }

    // [B·n, 77, C] → [B, 75n+2, C]
    private static Tensor Rejoin(Tensor hidden, long batch, long chunks)
    {
        var h = hidden.reshape(batch, chunks, ChunkLength, hidden.shape[2]);
        if (chunks == 1) return h[.., 0];
        var parts = new List<Tensor> { h[.., 0, ..1] };
        for (var i = 0; i < chunks; i++) parts.Add(h[.., i, 1..(ChunkLength - 1)]);
        parts.Add(h[.., (int)chunks - 1, (ChunkLength - 1)..]);
        return cat(parts, 1);
    }
}
