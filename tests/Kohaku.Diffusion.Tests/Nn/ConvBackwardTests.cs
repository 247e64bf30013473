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
