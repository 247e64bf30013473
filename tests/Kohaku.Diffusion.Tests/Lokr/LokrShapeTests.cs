using Kohaku.Diffusion.Lokr;

namespace Kohaku.Diffusion.Tests.Lokr;

public sealed class LokrShapeTests
{
    private static string Describe(LokrShape s) => string.Join(" ", s.Tensors.Select(t => $"{t.Suffix}[{string.Join(",", t.Shape)}]"));

    // Examples of lycoris-lokr.md §11 (factor 8 and −1, full matrix).
    [Theory]
    [InlineData(new long[] { 640, 640 }, 8, "lokr_w1[8,8] lokr_w2[80,80]")]
    [InlineData(new long[] { 640, 2048 }, 8, "lokr_w1[8,8] lokr_w2[80,256]")]
    [InlineData(new long[] { 10240, 1280 }, 8, "lokr_w1[8,8] lokr_w2[1280,160]")]
    [InlineData(new long[] { 10240, 1280 }, -1, "lokr_w1[80,32] lokr_w2[128,40]")]
    [InlineData(new long[] { 1280, 5120 }, -1, "lokr_w1[32,64] lokr_w2[40,80]")]
    [InlineData(new long[] { 320, 320, 3, 3 }, 8, "lokr_w1[8,8] lokr_w2[40,40,3,3]")]
    [InlineData(new long[] { 640, 320, 1, 1 }, -1, "lokr_w1[20,16] lokr_w2[32,20,1,1]")]
    [InlineData(new long[] { 5120, 1280 }, 8, "lokr_w1[8,8] lokr_w2[640,160]")]
    public void Decide_FullMatrix_GivesSheetShapes(long[] weight, long factor, string expected)
    {
        var shape = LokrShape.Decide(weight, new LokrModuleConfig(Factor: factor, Dim: 10000, Alpha: 10000));
        Assert.Equal(expected, Describe(shape));
        Assert.True(shape.BothFull);
        Assert.Equal(1.0, shape.Scale);
        Assert.Equal(10000, shape.Alpha);
    }

    [Fact]
    public void Decide_SmallDimConv_FlattensKernelIntoW2B()
    {
        // §11: input_blocks_1_0_in_layers_2 with dim 8, factor −1 → w2_a (20,8), w2_b (8,180).
        var shape = LokrShape.Decide([320, 320, 3, 3], new LokrModuleConfig(Factor: -1, Dim: 8, Alpha: 4));
        Assert.Equal("lokr_w1[16,16] lokr_w2_a[20,8] lokr_w2_b[8,180]", Describe(shape));
        Assert.Equal(0.5, shape.Scale);
    }

    [Fact]
    public void Decide_TuckerConv_UsesRankFirstW2AAndT2()
    {
        var shape = LokrShape.Decide([320, 320, 3, 3], new LokrModuleConfig(Factor: -1, Dim: 8, Alpha: 8, UseTucker: true));
        Assert.Equal("lokr_w1[16,16] lokr_w2_a[8,20] lokr_w2_b[8,20] lokr_t2[8,8,3,3]", Describe(shape));
    }

    [Fact]
    public void Decide_TuckerOn1x1_StaysFlat()
    {
        var shape = LokrShape.Decide([640, 320, 1, 1], new LokrModuleConfig(Factor: -1, Dim: 4, Alpha: 4, UseTucker: true));
        Assert.Equal("lokr_w1[20,16] lokr_w2_a[32,4] lokr_w2_b[4,20]", Describe(shape));
    }

    [Theory]
    // Threshold is r ≥ max(out_k, in_n)/2, compared as float: 40/2 = 20 → full at 20, low-rank at 19.
    [InlineData(20, LokrW2.Full)]
    [InlineData(19, LokrW2.LowRank)]
    public void Decide_DimAroundHalfOfW2_SwitchesAtThreshold(long dim, LokrW2 expected)
    {
        Assert.Equal(expected, LokrShape.Decide([320, 320], new LokrModuleConfig(Factor: 8, Dim: dim, Alpha: 1)).W2);
    }

    [Fact]
    public void Decide_FullMatrixFlag_ForcesFullW2AndIgnoresAlpha()
    {
        var shape = LokrShape.Decide([640, 640], new LokrModuleConfig(Factor: 8, Dim: 4, Alpha: 1, FullMatrix: true));
        Assert.Equal(LokrW2.Full, shape.W2);
        Assert.Equal(1.0, shape.Scale);
        Assert.Equal(4, shape.Alpha);
    }

    [Fact]
    public void Decide_DecomposeBoth_MakesW1LowRankWhenSmall()
    {
        var shape = LokrShape.Decide([1280, 1280], new LokrModuleConfig(Factor: -1, Dim: 4, Alpha: 2, DecomposeBoth: true));
        Assert.Equal("lokr_w1_a[32,4] lokr_w1_b[4,32] lokr_w2_a[40,4] lokr_w2_b[4,40]", Describe(shape));
        Assert.Equal(0.5, shape.Scale);
    }

    [Fact]
    public void Decide_ZeroAlpha_MeansAlphaEqualsDim()
    {
        Assert.Equal(1.0, LokrShape.Decide([640, 640], new LokrModuleConfig(Factor: 8, Dim: 4, Alpha: 0)).Scale);
    }

    [Fact]
    public void FromTensors_DecidedLayout_RoundTrips()
    {
        var decided = LokrShape.Decide([320, 320, 3, 3], new LokrModuleConfig(Factor: -1, Dim: 8, Alpha: 4));
        var read = LokrShape.FromTensors("m", decided.Weight, decided.Tensors.ToDictionary(t => t.Suffix, t => t.Shape), 4);
        Assert.Equal(Describe(decided), Describe(read));
        Assert.Equal(decided.Scale, read.Scale);
    }

    [Fact]
    public void FromTensors_BothFullWithInfAlpha_ScaleIsOne()
    {
        var read = LokrShape.FromTensors("m", [640, 640], new Dictionary<string, long[]> { ["lokr_w1"] = [8, 8], ["lokr_w2"] = [80, 80] }, double.PositiveInfinity);
        Assert.Equal(1.0, read.Scale);
    }

    [Fact]
    public void FromTensors_WrongShape_NamesKey()
    {
        var e = Assert.Throws<InvalidDataException>(() => LokrShape.FromTensors("lora_unet_x", [640, 640],
            new Dictionary<string, long[]> { ["lokr_w1"] = [8, 8], ["lokr_w2"] = [80, 81] }, 1));
        Assert.Contains("lora_unet_x", e.Message);
    }

    [Fact]
    public void FromTensors_LowRankWithInfAlpha_Throws()
    {
        var e = Assert.Throws<InvalidDataException>(() => LokrShape.FromTensors("lora_unet_y", [640, 640],
            new Dictionary<string, long[]> { ["lokr_w1"] = [8, 8], ["lokr_w2_a"] = [80, 4], ["lokr_w2_b"] = [4, 80] }, double.PositiveInfinity));
        Assert.Contains("lora_unet_y.alpha", e.Message);
    }
}
