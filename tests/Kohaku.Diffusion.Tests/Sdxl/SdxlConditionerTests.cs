using Kohaku.Diffusion.Sdxl;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl;

public sealed class SdxlConditionerTests
{
    private const long Bos = 49406, Eos = 49407;

    private static double Freq(int i, int dim) => Math.Exp(-Math.Log(10000) * i / (dim / 2));

    // [BOS, tokens…, EOS, pad…] of length 77.
    private static long[] Chunk(long pad, params long[] tokens) =>
        new[] { Bos }.Concat(tokens).Append(Eos).Concat(Enumerable.Repeat(pad, 75 - tokens.Length)).ToArray();

    [Fact]
    public void SizeEmbedding_Sdxl256_CosFirstPerScalarInHeightWidthOrder()
    {
        var size = new SizeCondition(1024, 768, 16, 8, 896, 640);
        using var emb = SdxlConditioner.SizeEmbedding([size], 256);
        Assert.Equal(new long[] { 1, 1536 }, emb.shape);
        var e = emb[0].data<float>().ToArray();
        Assert.Equal(Math.Cos(1024), e[0], 3);                        // original height, cos, freq 1
        Assert.Equal(Math.Sin(1024), e[128], 3);                      // original height, sin half
        Assert.Equal(Math.Cos(768 * Freq(1, 256)), e[256 + 1], 3);    // original width
        Assert.Equal(Math.Cos(16 * Freq(7, 256)), e[512 + 7], 3);     // crop top
        Assert.Equal(Math.Sin(8 * Freq(5, 256)), e[768 + 128 + 5], 3); // crop left
        Assert.Equal(Math.Cos(896 * Freq(2, 256)), e[1024 + 2], 3);   // target height
        Assert.Equal(Math.Sin(640 * Freq(127, 256)), e[1280 + 255], 3); // target width, last sin
    }

    [Fact]
    public void SizeEmbedding_ZeroCrop_IsOnesThenZeros()
    {
        using var emb = SdxlConditioner.SizeEmbedding([SizeCondition.ForImage(64, 64)], 32);
        Assert.True(allclose(emb[0, 64..80], ones(16)));   // crop top: cos 0 = 1
        Assert.True(allclose(emb[0, 80..96], zeros(16)));  // crop top: sin 0 = 0
    }

    [Fact]
    public void SizeVector_Tiny_PooledFirstThenSixEmbeddings()
    {
        var conditioner = new SdxlConditioner(TinyModels.Seed1234);
        using var scope = NewDisposeScope();
        var pooled = randn(2, 32);
        var sizes = new[] { SizeCondition.ForImage(64, 96), new SizeCondition(128, 128, 8, 0, 64, 64) };
        var y = conditioner.SizeVector(pooled, sizes);
        Assert.Equal(new long[] { 2, 224 }, y.shape);
        Assert.Equal(224, conditioner.VectorDim);
        Assert.True(y[.., ..32].Equals(pooled));
        Assert.True(allclose(y[.., 32..], SdxlConditioner.SizeEmbedding(sizes, 32)));
    }

    [Fact]
    public void Encode_OneChunk_ContextIsTe1AndTe2HiddenSideBySide()
    {
        var models = TinyModels.Seed1234;
        var conditioner = new SdxlConditioner(models);
        using var scope = NewDisposeScope();
        var ids1 = tensor(Chunk(Eos, 320, 1125)).reshape(1, 77);
        var ids2 = tensor(Chunk(0, 320, 1125)).reshape(1, 77);
        var (context, pooled) = conditioner.Encode(ids1, ids2);
        Assert.Equal(new long[] { 1, 77, 64 }, context.shape);
        Assert.Equal(new long[] { 1, 32 }, pooled.shape);
        Assert.True(allclose(context[.., .., ..32], models.Te1.ContextHidden(ids1)));
        Assert.True(allclose(context[.., .., 32..], models.Te2.Encode(ids2).Context));
    }

    [Fact]
    public void Encode_Pooled_IsFinalStateAtFirstEosTimesProjection()
    {
        var models = TinyModels.Seed1234;
        using var scope = NewDisposeScope();
        var ids1 = tensor(Chunk(Eos, 5, 6, 7, 8)).reshape(1, 77);
        var ids2 = tensor(Chunk(0, 5, 6, 7, 8)).reshape(1, 77);
        var final = models.Te2.Encode(ids2).Final[0, 5];   // BOS + 4 tokens → EOS at 5
        var p = models.Te2.TextProjection;
        var (_, sgm) = new SdxlConditioner(models).Encode(ids1, ids2);
        var (_, kohya) = new SdxlConditioner(models, PooledProjection.KohyaTransposed).Encode(ids1, ids2);
        Assert.True(allclose(sgm[0], final.matmul(p), rtol: 1e-4, atol: 1e-5));
        Assert.True(allclose(kohya[0], final.matmul(p.t()), rtol: 1e-4, atol: 1e-5));
        Assert.False(allclose(sgm, kohya));
    }

    [Fact]
    public void Encode_ThreeChunks_RebuildsKohya227Sequence()
    {
        var models = TinyModels.Seed1234;
        var conditioner = new SdxlConditioner(models);
        using var scope = NewDisposeScope();
        manual_seed(9);
        var chunks2 = Enumerable.Range(0, 3).Select(_ => randint(1, 49000, [77])).ToArray();
        foreach (var c in chunks2) { c[0] = tensor(Bos); c[76] = tensor(Eos); }
        var ids2 = cat(chunks2, 0).reshape(1, 231);
        var ids1 = ids2.clone();
        var (context, pooled) = conditioner.Encode(ids1, ids2);
        Assert.Equal(new long[] { 1, 227, 64 }, context.shape);
        var alone = chunks2.Select(c => models.Te1.ContextHidden(c.reshape(1, 77))[0]).ToArray();
        var te1 = context[0, .., ..32];
        Assert.True(allclose(te1[..76], alone[0][..76], atol: 1e-5));          // BOS + chunk 0 tokens
        Assert.True(allclose(te1[76..151], alone[1][1..76], atol: 1e-5));      // chunk 1 tokens
        Assert.True(allclose(te1[151..226], alone[2][1..76], atol: 1e-5));     // chunk 2 tokens
        Assert.True(allclose(te1[226], alone[2][76], atol: 1e-5));             // last EOS state
        // Pooled from chunk 0 only.
        var (_, pooledFirst) = conditioner.Encode(chunks2[0].reshape(1, 77), chunks2[0].reshape(1, 77));
        Assert.True(allclose(pooled, pooledFirst, atol: 1e-5));
    }

    [Fact]
    public void Encode_MismatchedShapes_ThrowsWithShapes()
    {
        var conditioner = new SdxlConditioner(TinyModels.Seed1234);
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => conditioner.Encode(zeros(1, 77, dtype: ScalarType.Int64), zeros(1, 154, dtype: ScalarType.Int64)));
        Assert.Contains("[1, 154]", error.Message);
    }
}
