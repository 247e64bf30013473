using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Nn;

public sealed class AdaptableLinearTests
{
    private sealed class ConstantDelta(float value) : IWeightDelta
    {
        public Tensor DeltaFor(Tensor weight) => full_like(weight, value);
    }

    [Fact]
    public void StateDict_Default_HasCheckpointNamesOnly()
    {
        using var layer = new AdaptableLinear(3, 2);
        layer.Delta = new ConstantDelta(1f);
        Assert.Equal(["weight", "bias"], layer.state_dict().Keys.ToArray());
    }

    [Fact]
    public void Forward_WithDelta_UsesWeightPlusDelta()
    {
        using var layer = new AdaptableLinear(3, 2, hasBias: false);
        using var x = ones(1, 3);
        using var before = layer.call(x);
        layer.Delta = new ConstantDelta(0.5f);
        using var after = layer.call(x);
        // Each output gains 3 inputs × 0.5.
        Assert.True(allclose(after, before + 1.5f));
    }
}
