using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Nn;

public sealed class ScalarsTests
{
    [Fact]
    public void One_AfterCollections_StillReadsOne()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal(1, Scalars.One.ToInt32());
    }

    [Fact]
    public void Plus_Tensors_BitIdenticalToOperator()
    {
        manual_seed(5);
        using var scope = NewDisposeScope();
        var (a, b) = (randn(3, 7), randn(3, 7));
        Assert.True(a.Plus(b).eq(a + b).all().item<bool>());
    }

    [Fact]
    public void Times_FloatAndLong_BitIdenticalToImplicitScalars()
    {
        manual_seed(6);
        using var scope = NewDisposeScope();
        var x = randn(4, 5);
        var ids = arange(6, dtype: ScalarType.Int64);
        Assert.True(x.Times(1.702f).eq(x * 1.702f).all().item<bool>());
        Assert.True(ids.Times(3L).eq(ids * 3L).all().item<bool>());
        Assert.Equal(ScalarType.Int64, ids.Times(3L).dtype);
    }

    [Fact]
    public void DividedByAndClamped_Values_BitIdenticalToImplicitScalars()
    {
        manual_seed(7);
        using var scope = NewDisposeScope();
        var x = randn(4, 5) * 40f;
        Assert.True(x.DividedBy(0.13025f).eq(x / 0.13025f).all().item<bool>());
        Assert.True(x.Clamped(-30, 20).eq(x.clamp(-30, 20)).all().item<bool>());
        Assert.Equal(20f, x.Clamped(-30, 20).max().item<float>());
    }

    [Fact]
    public void Full_ZeroDimensional_HoldsValue()
    {
        using var t = Scalars.Full([], 2.5f);
        Assert.Equal(0, t.dim());
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.Equal(2.5f, t.item<float>());
    }
}
