using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests;

public class TorchRuntimeTests
{
    // The switch reaches libtorch's global context, and convolutions keep working without NNPACK
    // (batch 16 is where libtorch would pick it).
    [Fact]
    public void DisableNnpack_TurnsLibtorchsFlagOffAndConvolutionStillRuns()
    {
        TorchRuntime.DisableNnpack();
        Assert.False(TorchRuntime.NnpackEnabled);
        using var x = ones(16, 2, 5, 5);
        using var w = ones(3, 2, 3, 3);
        using var y = nn.functional.conv2d(x, w);
        Assert.Equal([16L, 3, 3, 3], y.shape);
        Assert.Equal(18f, y[0, 0, 0, 0].item<float>());
    }
}
