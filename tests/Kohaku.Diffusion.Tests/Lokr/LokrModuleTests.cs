using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Lokr;

public sealed class LokrModuleTests
{
    [Fact]
    public void Constructor_Fresh_DeltaIsZeroAndW1Random()
    {
        using var module = new LokrModule("m", LokrShape.Decide([64, 32], new LokrModuleConfig(Factor: 4)));
        using var delta = module.Kron();
        Assert.Equal(0f, delta.abs().max().item<float>());
        var w1 = module.get_parameter("lokr_w1")!;
        Assert.True(w1.abs().max().item<float>() > 0f);
        // Kaiming-uniform a=√5 → U(−1/√fan_in, 1/√fan_in), fan_in = 4 columns.
        Assert.True(w1.abs().max().item<float>() <= 0.5f);
    }

    [Fact]
    public void Constructor_LowRankW2_ZeroesW2BOnly()
    {
        using var module = new LokrModule("m", LokrShape.Decide([320, 320, 3, 3], new LokrModuleConfig(Factor: -1, Dim: 8, Alpha: 4)));
        Assert.Equal(0f, module.get_parameter("lokr_w2_b")!.abs().max().item<float>());
        Assert.True(module.get_parameter("lokr_w2_a")!.abs().max().item<float>() > 0f);
        using var delta = module.Kron();
        Assert.Equal(0f, delta.abs().max().item<float>());
    }

    [Fact]
    public void NamedParameters_AreFileKeySuffixes()
    {
        using var module = new LokrModule("m", LokrShape.Decide([320, 320, 3, 3], new LokrModuleConfig(Factor: -1, Dim: 8, UseTucker: true)));
        Assert.Equal(["lokr_w1", "lokr_w2_a", "lokr_w2_b", "lokr_t2"], module.named_parameters().Select(p => p.name).ToArray());
    }

    [Fact]
    public void Kron_Linear_MatchesElementFormula()
    {
        // out 12 = 3·4, in 10 = 2·5 → dW[i·4+p, j·5+q] = w1[i,j]·w2[p,q].
        var shape = LokrShape.Decide([12, 10], new LokrModuleConfig(Factor: 3, Dim: 100));
        Assert.Equal((3L, 4L, 2L, 5L), (shape.OutL, shape.OutK, shape.InM, shape.InN));
        using var module = RandomLokr.Module(shape, 1);
        using var delta = module.Kron();
        var w1 = module.get_parameter("lokr_w1")!;
        var w2 = module.get_parameter("lokr_w2")!;
        for (var i = 0; i < 3; i++) for (var j = 0; j < 2; j++) for (var p = 0; p < 4; p++) for (var q = 0; q < 5; q++)
            Assert.Equal(w1[i, j].item<float>() * w2[p, q].item<float>(), delta[i * 4 + p, j * 5 + q].item<float>(), 5);
    }

    [Fact]
    public void Kron_ConvFullW2_MatchesElementFormula()
    {
        var shape = LokrShape.Decide([6, 4, 3, 3], new LokrModuleConfig(Factor: 2, Dim: 100));
        Assert.Equal((2L, 3L, 2L, 2L), (shape.OutL, shape.OutK, shape.InM, shape.InN));
        using var module = RandomLokr.Module(shape, 2);
        using var delta = module.Kron();
        var w1 = module.get_parameter("lokr_w1")!;
        var w2 = module.get_parameter("lokr_w2")!;
        for (var i = 0; i < 2; i++) for (var j = 0; j < 2; j++) for (var p = 0; p < 3; p++) for (var q = 0; q < 2; q++)
        for (var u = 0; u < 3; u++) for (var v = 0; v < 3; v++)
            Assert.Equal(w1[i, j].item<float>() * w2[p, q, u, v].item<float>(), delta[i * 3 + p, j * 2 + q, u, v].item<float>(), 5);
    }

    [Fact]
    public void Kron_ConvLowRankW2_EqualsTreatingW2AsRowMajor4D()
    {
        var shape = LokrShape.Decide([8, 8, 3, 3], new LokrModuleConfig(Factor: 2, Dim: 1, Alpha: 0.5));
        Assert.Equal(LokrW2.LowRank, shape.W2);
        using var module = RandomLokr.Module(shape, 3);
        using var delta = module.Kron();
        using var w2 = module.get_parameter("lokr_w2_a")!.mm(module.get_parameter("lokr_w2_b")!).view(4, 4, 3, 3);
        var w1 = module.get_parameter("lokr_w1")!;
        for (var i = 0; i < 2; i++) for (var j = 0; j < 2; j++) for (var p = 0; p < 4; p++) for (var q = 0; q < 4; q++)
            Assert.Equal(0.5f * w1[i, j].item<float>() * w2[p, q, 1, 2].item<float>(), delta[i * 4 + p, j * 4 + q, 1, 2].item<float>(), 5);
    }

    [Fact]
    public void Kron_Tucker_MatchesContraction()
    {
        var shape = LokrShape.Decide([8, 8, 3, 3], new LokrModuleConfig(Factor: 2, Dim: 1, Alpha: 1, UseTucker: true));
        using var module = RandomLokr.Module(shape, 4);
        using var delta = module.Kron();
        var t2 = module.get_parameter("lokr_t2")!;
        var a = module.get_parameter("lokr_w2_a")!;
        var b = module.get_parameter("lokr_w2_b")!;
        var w1 = module.get_parameter("lokr_w1")!;
        // Rank 1: w2[p,q,u,v] = t2[0,0,u,v]·a[0,p]·b[0,q].
        for (var p = 0; p < 4; p++) for (var q = 0; q < 4; q++)
        {
            var w2 = t2[0, 0, 2, 1].item<float>() * a[0, p].item<float>() * b[0, q].item<float>();
            Assert.Equal(w1[1, 0].item<float>() * w2, delta[4 + p, q, 2, 1].item<float>(), 4);
        }
    }

    // Rank 3 on a 3×3 conv: the rebuilt w2 is a permuted einsum result, which kron refused before it was
    // made contiguous. Expected: LyCORIS's rebuild_tucker ('i j k l, i p, j r -> p r k l') and make_kron
    // written out element by element in double.
    [Fact]
    public void Kron_TuckerConvRank3_EqualsLycorisFormula()
    {
        var shape = LokrShape.Decide([32, 24, 3, 3], new LokrModuleConfig(Factor: 4, Dim: 3, Alpha: 1.5, UseTucker: true));
        Assert.Equal((LokrW2.Tucker, 4L, 8L, 4L, 6L), (shape.W2, shape.OutL, shape.OutK, shape.InM, shape.InN));
        using var module = RandomLokr.Module(shape, 12);
        using var delta = module.Kron();
        using var expected = TuckerKron(module, shape);
        Assert.Equal(shape.Weight, delta.shape);
        var (got, want) = (delta.data<float>().ToArray(), expected.data<double>().ToArray());
        for (var e = 0; e < want.Length; e++) Assert.Equal(want[e], got[e], 1e-5 * Math.Max(1, Math.Abs(want[e])));
    }

    // scale·kron(w1, w2) with w2[p, r, k, l] = Σ_ij t2[i, j, k, l]·w2_a[i, p]·w2_b[j, r], in double.
    internal static Tensor TuckerKron(LokrModule module, LokrShape shape) =>
        TuckerKron(module.get_parameter("lokr_w1")!, module.get_parameter("lokr_w2_a")!, module.get_parameter("lokr_w2_b")!,
            module.get_parameter("lokr_t2")!, shape.Scale);

    internal static Tensor TuckerKron(Tensor w1Tensor, Tensor aTensor, Tensor bTensor, Tensor t2Tensor, double scale)
    {
        double[] Values(Tensor t) => t.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var (w1, a, b, t2) = (Values(w1Tensor), Values(aTensor), Values(bTensor), Values(t2Tensor));
        var (outL, inM) = ((int)w1Tensor.shape[0], (int)w1Tensor.shape[1]);
        var (rank, outK, inN) = ((int)aTensor.shape[0], (int)aTensor.shape[1], (int)bTensor.shape[1]);
        var (k1, k2) = ((int)t2Tensor.shape[2], (int)t2Tensor.shape[3]);
        var kk = k1 * k2;
        var w2 = new double[outK * inN * kk];
        for (var p = 0; p < outK; p++) for (var r = 0; r < inN; r++) for (var k = 0; k < kk; k++)
        {
            var sum = 0.0;
            for (var i = 0; i < rank; i++) for (var j = 0; j < rank; j++) sum += t2[(i * rank + j) * kk + k] * a[i * outK + p] * b[j * inN + r];
            w2[(p * inN + r) * kk + k] = sum;
        }
        var (rows, cols) = (outL * outK, inM * inN);
        var delta = new double[rows * cols * kk];
        for (var i = 0; i < outL; i++) for (var j = 0; j < inM; j++) for (var p = 0; p < outK; p++) for (var q = 0; q < inN; q++) for (var k = 0; k < kk; k++)
            delta[((i * outK + p) * cols + j * inN + q) * kk + k] = scale * w1[i * inM + j] * w2[(p * inN + q) * kk + k];
        return tensor(delta, [rows, cols, k1, k2]);
    }

    [Fact]
    public void DeltaFor_HalfWeight_AppliesMultiplierInWeightDtype()
    {
        using var module = RandomLokr.Module(LokrShape.Decide([12, 10], new LokrModuleConfig(Factor: 3, Dim: 100)), 5);
        module.Multiplier = 0.25;
        using var weight = zeros(12, 10, ScalarType.Float16);
        using var delta = module.DeltaFor(weight);
        using var expected = module.Kron() * 0.25;
        Assert.Equal(ScalarType.Float16, delta.dtype);
        Assert.True(allclose(delta.to(ScalarType.Float32), expected, rtol: 1e-2, atol: 1e-3));
    }

    [Fact]
    public void DeltaFor_AttachedToAdaptableLinear_ChangesOutputByDeltaTimesInput()
    {
        using var layer = new AdaptableLinear(10, 12, hasBias: false);
        using var module = RandomLokr.Module(LokrShape.Decide([12, 10], new LokrModuleConfig(Factor: 3, Dim: 100)), 6);
        using var x = randn(2, 10);
        using var before = layer.call(x);
        layer.Delta = module;
        using var after = layer.call(x);
        using var expected = before + x.mm(module.Kron().t());
        Assert.True(allclose(after, expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Kron_Backward_GivesW1NoGradientAtStart()
    {
        using var module = new LokrModule("m", LokrShape.Decide([12, 10], new LokrModuleConfig(Factor: 3, Dim: 100)));
        using var loss = module.Kron().sum();
        loss.backward();
        Assert.Equal(0f, module.get_parameter("lokr_w1")!.grad!.abs().max().item<float>());
        Assert.True(module.get_parameter("lokr_w2")!.grad!.abs().max().item<float>() > 0f);
    }
}
