using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Lokr;

public sealed class LokrDeltaWindowTests
{
    // Base layers drawn from the test's own generator: left to the global one, their values depended
    // on which tests ran first, and so did the rounding the tolerance has to absorb.
    private static void Reseed(Tensor weight, Tensor? bias, Generator gen)
    {
        using var noGrad = no_grad();
        var fanIn = weight.numel() / weight.shape[0];
        weight.copy_(randn(weight.shape, generator: gen).Times(1.0 / Math.Sqrt(fanIn)));
        bias?.copy_(randn(bias.shape, generator: gen).Times(0.1));
    }

    // Three conv layers (two sharing a factor layout, so they are stacked into one batched kron)
    // through three accumulated passes: rebuilding ΔW per pass and holding it for the window give
    // the same outputs and the same factor gradients.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Close_ThreeAccumulatedPasses_GradientsMatchPerPassRebuild(bool tucker)
    {
        var config = new LokrModuleConfig(Factor: 2, Dim: tucker ? 2 : 100, Alpha: 1, UseTucker: tucker);
        var modules = new[]
        {
            RandomLokr.Module(LokrShape.Decide([8, 8, 3, 3], config), 7),
            RandomLokr.Module(LokrShape.Decide([8, 8, 3, 3], config), 8),
            RandomLokr.Module(LokrShape.Decide([8, 4, 3, 3], config), 9),
        };
        modules[1].Multiplier = 0.5;
        var layers = new[] { new AdaptableConv2d(8, 8, 3, padding: 1), new AdaptableConv2d(8, 8, 3, padding: 1), new AdaptableConv2d(4, 8, 3, padding: 1) };
        foreach (var (layer, module) in layers.Zip(modules)) layer.Delta = module;
        var gen = new Generator(10);
        foreach (var layer in layers) Reseed(layer.Weight, layer.Bias, gen);
        var inputs = Enumerable.Range(0, 3).Select(_ => randn([2, 8, 5, 5], generator: gen)).ToList();

        (List<Tensor> Outputs, List<Tensor> Grads) Run(bool window)
        {
            foreach (var module in modules) foreach (var (_, p) in module.Factors) p.grad = null;
            var held = window ? LokrDeltaWindow.Open(modules) : null;
            if (held is not null) Assert.Equal(3, held.HeldModules);
            var outputs = inputs.Select(x =>
            {
                var y = layers[2].call(layers[1].call(layers[0].call(x)).slice(1, 0, 4, 1));
                (y * y).mean().backward();
                return y.detach();
            }).ToList();
            held?.Close();
            return (outputs, modules.SelectMany(m => m.Factors).Select(f => f.Tensor.grad!.clone()).ToList());
        }

        var (perPass, perPassGrads) = Run(window: false);
        var (windowed, windowedGrads) = Run(window: true);
        foreach (var (a, b) in perPass.Zip(windowed)) Assert.True(allclose(a, b, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(modules.Sum(m => m.Shape.Tensors.Count), windowedGrads.Count);
        foreach (var (a, b) in perPassGrads.Zip(windowedGrads))
        {
            Assert.True(a.abs().max().item<float>() > 0f);
            Assert.True(allclose(a, b, rtol: 1e-4, atol: 1e-6), $"max diff {(a - b).abs().max().item<float>()}");
        }
    }

    // Low-rank w1 and w2 take their gradient through their own products; a module stacked with
    // them whose layer never runs keeps no gradient, as under plain autograd.
    [Fact]
    public void Close_LowRankFactorsAndIdleModule_GradientsMatchPerPassRebuild()
    {
        var config = new LokrModuleConfig(Factor: 4, Dim: 1, Alpha: 2, DecomposeBoth: true);
        var modules = Enumerable.Range(0, 3).Select(i => RandomLokr.Module(LokrShape.Decide([32, 32], config), 20 + i)).ToArray();
        Assert.All(modules, m => Assert.Equal((LokrW1.LowRank, LokrW2.LowRank), (m.Shape.W1, m.Shape.W2)));
        var layers = modules.Select(m => new AdaptableLinear(32, 32) { Delta = m }).ToArray();
        var gen = new Generator(30);
        foreach (var layer in layers) Reseed(layer.Weight, layer.Bias, gen);
        var inputs = Enumerable.Range(0, 2).Select(_ => randn([3, 32], generator: gen)).ToList();

        List<Tensor?> Run(bool window)
        {
            foreach (var module in modules) foreach (var (_, p) in module.Factors) p.grad = null;
            var held = window ? LokrDeltaWindow.Open(modules) : null;
            if (held is not null) Assert.Equal(1, held.Groups);
            foreach (var x in inputs) layers[1].call(layers[0].call(x)).square().mean().backward();
            held?.Close();
            return modules.SelectMany(m => m.Factors).Select(f => f.Tensor.grad?.clone()).ToList();
        }

        var perPass = Run(window: false);
        var windowed = Run(window: true);
        foreach (var (a, b) in perPass.Zip(windowed))
        {
            if (a is null) { Assert.Null(b); continue; }
            Assert.NotNull(b);
            Assert.True(allclose(a, b, rtol: 1e-4, atol: 1e-6), $"max diff {(a - b).abs().max().item<float>()}");
        }
        Assert.All(modules[2].Factors, f => Assert.Null(f.Tensor.grad));
        Assert.All(modules[0].Factors, f => Assert.True(f.Tensor.grad!.abs().max().item<float>() > 0f));
    }

    // A frozen adapter (text encoders not trained) stacked with a trained one of the same layout gets
    // a ΔW without grad, so backward does not run through its layer, and keeps no factor gradient.
    [Fact]
    public void Open_FrozenModuleStackedWithTrainedOne_FrozenDeltaNeedsNoGrad()
    {
        var shape = LokrShape.Decide([16, 16], new LokrModuleConfig(Factor: 4));
        using var trained = RandomLokr.Module(shape, 40);
        using var frozen = RandomLokr.Module(shape, 41);
        foreach (var (_, p) in frozen.Factors) p.requires_grad = false;
        using var weight = zeros(16, 16);
        Tensor Grad(bool window)
        {
            foreach (var (_, p) in trained.Factors) p.grad = null;
            var held = window ? LokrDeltaWindow.Open([trained, frozen]) : null;
            if (held is not null)
            {
                Assert.Equal(1, held.Groups);
                using var frozenDelta = frozen.DeltaFor(weight);
                Assert.False(frozenDelta.requires_grad);
            }
            using (var d = trained.DeltaFor(weight)) d.square().sum().backward();
            held?.Close();
            return trained.Factors.First().Tensor.grad!.clone();
        }

        var perPass = Grad(window: false);
        var windowed = Grad(window: true);
        Assert.True(allclose(perPass, windowed, rtol: 1e-5, atol: 1e-6));
        Assert.All(frozen.Factors, f => Assert.Null(f.Tensor.grad));
    }

    [Fact]
    public void Close_NoBackwardInWindow_LeavesFactorGradientsEmpty()
    {
        using var module = RandomLokr.Module(LokrShape.Decide([12, 10], new LokrModuleConfig(Factor: 3, Dim: 100)), 11);
        var window = LokrDeltaWindow.Open([module]);
        using (no_grad())
        using (var delta = module.DeltaFor(zeros(12, 10)))
            Assert.True(allclose(delta, module.Kron()));
        window.Close();
        Assert.All(module.Factors, f => Assert.Null(f.Tensor.grad));
    }

    // A full-size Tucker conv (above the held limit, so it rebuilds ΔW in each pass) beside a small one
    // that is held: both give the same factor gradients as with no window.
    [Fact]
    public void Close_TuckerConvAboveElementLimit_GradientsMatchPerPassRebuild()
    {
        var bigShape = LokrShape.Decide([320, 320, 3, 3], new LokrModuleConfig(Factor: -1, Dim: 4, Alpha: 2, UseTucker: true));
        var smallShape = LokrShape.Decide([32, 24, 3, 3], new LokrModuleConfig(Factor: 4, Dim: 3, Alpha: 1.5, UseTucker: true));
        Assert.Equal((LokrW2.Tucker, LokrW2.Tucker), (bigShape.W2, smallShape.W2));
        Assert.True(bigShape.Weight.Aggregate(1L, (a, b) => a * b) > LokrDeltaWindow.HeldElementLimit);
        using var big = RandomLokr.Module(bigShape, 50);
        using var small = RandomLokr.Module(smallShape, 51);
        var gen = new Generator(52);
        using var bigProbe = randn(bigShape.Weight, generator: gen);
        using var smallProbe = randn(smallShape.Weight, generator: gen);
        using var bigWeight = zeros(bigShape.Weight);
        using var smallWeight = zeros(smallShape.Weight);

        List<Tensor> Grads(bool window)
        {
            foreach (var (_, p) in big.Factors.Concat(small.Factors)) p.grad = null;
            var held = window ? LokrDeltaWindow.Open([big, small]) : null;
            if (held is not null) Assert.Equal(1, held.HeldModules);
            for (var pass = 0; pass < 2; pass++)
            {
                using var loss = (big.DeltaFor(bigWeight) * bigProbe).sum() + (small.DeltaFor(smallWeight) * smallProbe).square().sum();
                loss.backward();
            }
            held?.Close();
            return big.Factors.Concat(small.Factors).Select(f => f.Tensor.grad!.clone()).ToList();
        }

        var perPass = Grads(window: false);
        var windowed = Grads(window: true);
        Assert.Equal(8, windowed.Count);
        foreach (var (a, b) in perPass.Zip(windowed))
        {
            Assert.True(a.abs().max().item<float>() > 0f);
            Assert.True(allclose(a, b, rtol: 1e-4, atol: 1e-5), $"max diff {(a - b).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void Open_ModuleAboveElementLimit_KeepsRebuildingPerPass()
    {
        using var big = new LokrModule("big", LokrShape.Decide([1024, 512], new LokrModuleConfig(Factor: 8)));
        using var small = new LokrModule("small", LokrShape.Decide([64, 64], new LokrModuleConfig(Factor: 8)));
        using var window = LokrDeltaWindow.Open([big, small]);
        Assert.Equal(1, window.HeldModules);
    }
}
