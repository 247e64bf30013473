using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Nn;

public sealed class ConvBackwardTests
{
    // Guards the oneDNN ISA cap in tests/torch.runsettings: without it, on an AVX-512 CPU the fp32 input
    // gradient of this conv (batch 2, 8 channels) came back as garbage or NaN, and every test
    // backpropagating through a small conv (the LoKr window tests) failed with it.
    [Fact]
    public void Conv2d_SmallChannelsBatched_InputGradientMatchesFloat64()
    {
        var gen = new Generator(1);
        for (var round = 0; round < 3; round++)
        {
            using var scope = NewDisposeScope();
            var x = randn([2, 8, 5, 5], generator: gen).requires_grad_(true);
            var w = randn([8, 8, 3, 3], generator: gen);
            var gy = randn([2, 8, 5, 5], generator: gen);
            (nn.functional.conv2d(x, w, padding: [1, 1]) * gy).sum().backward();
            var expected = nn.functional.conv_transpose2d(gy.to(ScalarType.Float64), w.to(ScalarType.Float64), padding: [1, 1]);
            Assert.True(allclose(x.grad!.to(ScalarType.Float64), expected, rtol: 1e-4, atol: 1e-4),
                $"max diff {(x.grad!.to(ScalarType.Float64) - expected).abs().max().item<double>()}");
        }
    }
}

// AdaptableConv2d pads a CPU bf16 conv whose channel counts are not multiples of 16 (the oneDNN
// AVX-512 kernels for those are wrong; tests/torch.runsettings). The padded conv must be the same
// conv: output, input, weight and bias gradients against float64 on the same bf16 values.
public sealed class SmallChannelConvTests
{
    [Theory]
    [InlineData(4, 320, 3, 1, 1)]    // UNet conv_in
    [InlineData(320, 4, 3, 1, 1)]    // UNet out.2
    [InlineData(3, 128, 3, 1, 1)]    // VAE encoder conv_in
    [InlineData(128, 3, 3, 1, 1)]    // VAE decoder conv_out
    [InlineData(8, 8, 1, 1, 0)]      // VAE quant_conv
    [InlineData(5, 6, 3, 2, 1)]      // strided, neither side a block
    public void Bf16Conv_SmallChannels_MatchesFloat64(long cin, long cout, long kernel, long stride, long padding)
    {
        var gen = new Generator(7);
        using var scope = NewDisposeScope();
        using var conv = new Kohaku.Diffusion.Nn.AdaptableConv2d(cin, cout, kernel, stride, padding, dtype: ScalarType.BFloat16);
        using (no_grad())
        {
            conv.Weight.copy_(randn([cout, cin, kernel, kernel], generator: gen) / Math.Sqrt(cin * kernel * kernel));
            conv.Bias!.copy_(randn([cout], generator: gen));
        }
        var x = randn([2, cin, 9, 9], generator: gen).to(ScalarType.BFloat16).requires_grad_(true);
        var y = conv.call(x);
        var gy = randn(y.shape, generator: gen).to(ScalarType.BFloat16);
        (y.to(ScalarType.Float32) * gy.to(ScalarType.Float32)).sum().backward();

        var x64 = x.detach().to(ScalarType.Float64).requires_grad_(true);
        var w64 = conv.Weight.detach().to(ScalarType.Float64).requires_grad_(true);
        var b64 = conv.Bias.detach().to(ScalarType.Float64).requires_grad_(true);
        var y64 = nn.functional.conv2d(x64, w64, b64, strides: [stride, stride], padding: [padding, padding]);
        (y64 * gy.to(ScalarType.Float64)).sum().backward();

        Assert.Equal(y64.shape, y.shape);
        Assert.True(y.is_contiguous());
        AssertClose(y64, y, "output");
        AssertClose(x64.grad!, x.grad!, "input gradient");
        AssertClose(w64.grad!, conv.Weight.grad!, "weight gradient");
        AssertClose(b64.grad!, conv.Bias.grad!, "bias gradient");
    }

    // bf16 keeps 8 bits of mantissa: a few units of 2⁻⁸ of the largest value. The broken kernels were
    // off by 30–60 % of it, or NaN.
    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        var diff = (actual.to(ScalarType.Float64) - expected).abs().max().item<double>();
        var scale = expected.abs().max().item<double>();
        Assert.True(diff <= 0.02 * scale, $"{what}: max diff {diff:G3} of max {scale:G3}");
    }
}
