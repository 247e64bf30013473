using Kohaku.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Optim;

public class BlockwiseQuantizerTests
{
    private static readonly BlockwiseQuantizer Quantizer = new(CPU);

    // lion8bit.md §8: indices with absmax 1, after the sign fix.
    [Theory]
    [InlineData(1.0f, 255)]
    [InlineData(-1.0f, 0)]
    [InlineData(0.5f, 219)]
    [InlineData(-0.5f, 35)]
    [InlineData(0.25f, 201)]
    [InlineData(0.1f, 190)]
    [InlineData(0.0123f, 159)]
    [InlineData(-0.0123f, 95)]
    [InlineData(0.001f, 142)]
    [InlineData(1e-6f, 128)]
    [InlineData(-1e-6f, 126)]
    [InlineData(2e-7f, 127)]
    [InlineData(-2e-7f, 126)]
    [InlineData(0f, 127)]
    public void Quantize_SheetValuesWithAbsmaxOne_GiveSheetIndices(float value, int expected)
    {
        // 1.0 in the same block pins absmax to 1.
        var (codes, absmax) = Run(tensor(new[] { 1.0f, value }));
        Assert.Equal(1f, absmax.item<float>());
        Assert.Equal(expected, codes[1].item<byte>());
    }

    [Fact]
    public void RoundTrip_RandnWithTailBlock_StaysWithinHalfTopSpacingOfAbsmax()
    {
        using var x = randn([10_000], generator: new Generator(1));
        var (codes, absmax) = Run(x);
        Assert.Equal(40, absmax.numel());
        using var back = Quantizer.Dequantize(codes, absmax);
        // Plus one float32 rounding of code·absmax.
        using var bound = absmax.repeat_interleave(256).narrow(0, 0, 10_000) * (0.00703125f + 1.2e-7f);
        Assert.True((x - back).abs().le(bound).all().item<bool>());
    }

    [Fact]
    public void RoundTrip_Randn1M_MeanErrorsUnderBitsandbytesThresholds()
    {
        using var scope = NewDisposeScope();
        var x = randn([1024, 1024], generator: new Generator(2));
        var (codes, absmax) = Run(x);
        var back = Quantizer.Dequantize(codes, absmax);
        var err = (x - back).abs();
        Assert.True(err.mean().item<float>() < 0.011f);
        Assert.True((err / (x.abs() + 1e-8f)).mean().item<float>() < 0.018f);
    }

    [Fact]
    public void RoundTrip_BlockMaximum_DequantizesExactly()
    {
        using var x = tensor(new[] { 0.1f, -0.3f, 2.5f, 0.7f });
        var (codes, absmax) = Run(x);
        Assert.Equal(255, codes[2].item<byte>());
        using var back = Quantizer.Dequantize(codes, absmax);
        Assert.Equal(2.5f, back[2].item<float>());
    }

    [Fact]
    public void Quantize_AllZeroBlock_DequantizesToZero()
    {
        var (codes, absmax) = Run(zeros(300));
        using var back = Quantizer.Dequantize(codes, absmax);
        Assert.True(back.eq(0).all().item<bool>());
    }

    // lion8bit.md §5/§6: with g = 0 a positive block maximum survives requantization exactly,
    // a negative one loses a factor 0.99296875 each time (the map has no −1).
    [Theory]
    [InlineData(1f, 1.0)]
    [InlineData(-1f, 0.93187)]
    public void Requantize_TenDecaySteps_RetainsMaximumPerAsymmetricMap(float extreme, double expectedRatio)
    {
        using var state = tensor(new[] { extreme, 0.3f, -0.2f, 0.05f });
        var (codes, absmax) = Run(state);
        for (var i = 0; i < 10; i++)
        {
            using var m = Quantizer.Dequantize(codes, absmax) * 0.99f;
            Quantizer.Quantize(m, codes, absmax);
        }
        var ratio = absmax.item<float>() / Math.Pow(0.99, 10);
        Assert.Equal(expectedRatio, ratio, 4);
    }

    private static (Tensor Codes, Tensor Absmax) Run(Tensor x)
    {
        var codes = empty(x.shape, ScalarType.Byte);
        var absmax = empty(BlockwiseQuantizer.BlockCount(x.numel()));
        Quantizer.Quantize(x, codes, absmax);
        return (codes, absmax);
    }
}
