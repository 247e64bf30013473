using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Lokr;

// DoKr (LoKr + DoRA's weight decomposition) against LyCORIS 3.3.0 lycoris/modules/lokr.py: its rebuild
// forward (new_weight - base_weight from apply_weight_decompose, eps = float32 machine epsilon, ‖V‖ not
// detached) computed in float32 by PyTorch 1.13.1 on exactly representable inputs (the grids below).
public sealed class DokrModuleTests
{
    // W0 (4, 6) = kron-shaped by w1 (2, 2) and w2 (2, 3); both full, so scale is 1.
    private static readonly float[] W0 = [-0.5f, -0.3125f, -0.125f, 0.0625f, 0.25f, 0.4375f, -0.0625f, 0.125f, 0.3125f, 0.5f, -0.375f, -0.1875f, 0.375f, -0.5f, -0.3125f, -0.125f, 0.0625f, 0.25f, -0.25f, -0.0625f, 0.125f, 0.3125f, 0.5f, -0.375f];
    private static readonly float[] W1 = [-0.375f, -0.125f, 0.25f, -0.375f];
    private static readonly float[] W2 = [-0.15625f, 0f, 0.15625f, -0.0625f, 0.09375f, -0.09375f];
    private static readonly float[] MOut = [1.5f, 0.75f, 2.0f, 1.25f];
    private static readonly float[] MIn = [0.5f, 1.0f, 1.5f, 0.25f, 2.0f, 0.75f];

    // Conv W0 (4, 2, 2, 2): w1 (2, 1) and w2 (2, 2, 2, 2).
    private static readonly float[] C0 = [-0.75f, -0.375f, 0f, 0.375f, 0.75f, -0.5f, -0.125f, 0.25f, -0.125f, 0.25f, 0.625f, -0.625f, -0.25f, 0.125f, 0.5f, -0.75f, 0.5f, -0.75f, -0.375f, 0f, 0.375f, 0.75f, -0.5f, -0.125f, -0.5f, -0.125f, 0.25f, 0.625f, -0.625f, -0.25f, 0.125f, 0.5f];
    private static readonly float[] C1 = [-0.5f, 0.25f];
    private static readonly float[] C2 = [-0.3125f, 0.125f, -0.125f, 0.3125f, 0.0625f, -0.1875f, 0.25f, 0f, -0.125f, 0.3125f, 0.0625f, -0.1875f, 0.25f, 0f, -0.25f, 0.1875f];
    private static readonly float[] CMOut = [0.5f, 1.5f, 1.0f, 2.0f];
    private static readonly float[] CMIn = [1.25f, 0.5f];

    private static LokrModuleConfig Dokr(bool onOutput) => new(Factor: 2, WeightDecompose: true, WdOnOutput: onOutput);

    internal static LokrModule Module(long[] weight, bool onOutput, float[] w1, float[] w2, float[]? m)
    {
        var module = new LokrModule("m", LokrShape.Decide(weight, Dokr(onOutput)));
        using var noGrad = no_grad();
        foreach (var (suffix, p) in module.Factors)
        {
            var values = suffix switch { "lokr_w1" => w1, "lokr_w2" => w2, _ => m };
            if (values is not null) p.copy_(tensor(values).view(p.shape));
        }
        return module;
    }

    private static void AssertValues(float[] expected, Tensor actual, float atol = 1e-6f)
    {
        var got = actual.contiguous().flatten().data<float>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (var i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(expected[i] - got[i]) <= atol, $"[{i}] expected {expected[i]}, got {got[i]}");
    }

    [Theory]
    [InlineData(true, new long[] { 4, 6 }, new long[] { 4, 1 })]
    [InlineData(false, new long[] { 4, 6 }, new long[] { 1, 6 })]
    [InlineData(true, new long[] { 4, 2, 3, 3 }, new long[] { 4, 1, 1, 1 })]
    [InlineData(false, new long[] { 4, 2, 3, 3 }, new long[] { 1, 2, 1, 1 })]
    public void Decide_WeightDecompose_DoraScaleFirstInLycorisShape(bool onOutput, long[] weight, long[] doraScale)
    {
        var shape = LokrShape.Decide(weight, Dokr(onOutput));
        Assert.Equal(onOutput ? LokrDora.Output : LokrDora.Input, shape.Dora);
        Assert.Equal("dora_scale", shape.Tensors[0].Suffix);
        Assert.Equal(doraScale, shape.Tensors[0].Shape);
        using var module = new LokrModule("m", shape);
        Assert.Equal(shape.Tensors.Select(t => t.Suffix), module.Factors.Select(f => f.Suffix));
        Assert.Equal(shape.ParameterCount, module.parameters().Sum(p => p.numel()));
        var read = LokrShape.FromTensors("m", weight, shape.Tensors.ToDictionary(t => t.Suffix, t => t.Shape), 1);
        Assert.Equal(shape.Dora, read.Dora);
    }

    [Fact]
    public void FromTensors_DoraScaleOfNeitherAxis_NamesKey()
    {
        var tensors = LokrShape.Decide([4, 6], new LokrModuleConfig(Factor: 2)).Tensors.ToDictionary(t => t.Suffix, t => t.Shape);
        tensors["dora_scale"] = [4, 6];
        var e = Assert.Throws<InvalidDataException>(() => LokrShape.FromTensors("lora_x", [4, 6], tensors, 1));
        Assert.Equal("lora_x.dora_scale: shape [4, 6] is neither (4, 1, …) nor (1, 6, …) for target weight [4, 6]", e.Message);
    }

    [Theory]
    [InlineData(true, false, new[] { 0.788094997f, 0.73686415f, 0.755190372f, 0.755190372f })]
    [InlineData(false, false, new[] { 0.676040888f, 0.605960011f, 0.475985825f, 0.605960011f, 0.676040888f, 0.655505538f })]
    [InlineData(true, true, new[] { 1.31695676f, 1.32287562f, 1.38631701f, 1.19895792f })]
    [InlineData(false, true, new[] { 1.83711731f, 1.86245811f })]
    public void InitializeMagnitude_IsLycorisInitNorm(bool onOutput, bool conv, float[] expected)
    {
        using var w0 = conv ? tensor(C0).view(4, 2, 2, 2) : tensor(W0).view(4, 6);
        using var module = new LokrModule("m", LokrShape.Decide(w0.shape, Dokr(onOutput)));
        module.InitializeMagnitude(w0);
        AssertValues(expected, module.Factors.First().Tensor.detach());
    }

    // A fresh DoKr module changes nothing: w2 = 0 and m = ‖W0‖, so W' = W0 up to float32 rounding.
    [Fact]
    public void DeltaFor_FreshModuleWithInitNorm_IsZero()
    {
        using var w0 = tensor(W0).view(4, 6);
        using var module = new LokrModule("m", LokrShape.Decide([4, 6], Dokr(true)));
        module.InitializeMagnitude(w0);
        using var delta = module.DeltaFor(w0);
        Assert.True(delta.abs().max().item<float>() < 1e-6f);
    }

    public static TheoryData<bool, double, float[]> LinearForward => new()
    {
        { true, 1.0, [-0.376885653f, -0.308303952f, -0.239722341f, 0.100461051f, 0.246643186f, 0.392825305f, 0.0236539803f, -0.0356541499f, 0.0332295895f, 0.0049982667f, -0.00957560539f, 0.0126928985f, 0.59217757f, -0.939520121f, -0.474737585f, -0.0661862642f, 0.117440015f, 0.301066279f, -0.207452208f, -0.00477237999f, 0.049908191f, 0.266042471f, 0.300541341f, -0.210269749f] },
        { true, 0.6, [-0.202693939f, -0.184982419f, -0.167270929f, 0.0680891275f, 0.147985935f, 0.227882743f, 0.023567386f, -0.0354549885f, 0.0340002477f, 0.00612396002f, -0.0104328692f, 0.012303248f, 0.339681566f, -0.56371212f, -0.269217551f, -0.0162742734f, 0.070464015f, 0.157202303f, -0.130721331f, 0.00651156902f, 0.0205699205f, 0.169000506f, 0.166262329f, -0.112099349f] },
        { false, 1.0, [0.141866744f, -0.210331023f, -0.43754369f, -0.0293133408f, 0.510692775f, 0.0866180658f, 0.030806791f, 0.0253139287f, 0.75274229f, -0.294558764f, -0.801696658f, -0.0329234749f, -0.10243842f, -0.336529672f, -0.525330961f, 0.0981346071f, 0.127673194f, -0.00998333097f, 0.0344861895f, -0.00285387784f, 0.18619436f, -0.176592737f, 0.914413095f, -0.0511520505f] },
    };

    // ΔW the layer adds = LyCORIS's new_weight - base_weight, multiplier rule s ← μ(s-1)+1 included.
    [Theory]
    [MemberData(nameof(LinearForward))]
    public void DeltaFor_Linear_EqualsLycorisForward(bool onOutput, double multiplier, float[] expected)
    {
        using var module = Module([4, 6], onOutput, W1, W2, onOutput ? MOut : MIn);
        module.Multiplier = multiplier;
        using var w0 = tensor(W0).view(4, 6);
        using var delta = module.DeltaFor(w0);
        AssertValues(expected, delta);
    }

    public static TheoryData<bool, double, float[]> ConvForward => new()
    {
        { true, 1.0, [0.499304622f, 0.1902771f, 0.026388986f, -0.28263855f, -0.446526647f, 0.328471601f, 0.0194440559f, -0.144444048f, 0.057098195f, -0.148147285f, 0.0200671554f, 0.0478346348f, -0.15741083f, 0.0108036101f, 0.179018021f, -0.166674376f, -0.178297788f, 0.201914728f, 0.0652126968f, 0.0595744848f, -0.0771275759f, -0.213829637f, 0.166382879f, 0.0296808258f, -0.40739274f, 0.0449359342f, 0.20369637f, 0.362456858f, -0.335768819f, -0.177008361f, -0.0182479098f, 0.43408078f] },
        { false, 0.6, [0.246284366f, 0.00384110212f, 0.0530226976f, -0.189420551f, -0.348876476f, 0.273277998f, -0.0145212263f, -0.110478774f, 0.0719773024f, -0.170465946f, -0.121284366f, 0.174307078f, 0.040718168f, -0.0552393869f, -0.151196927f, 0.279115856f, -0.142096788f, 0.140239f, 0.0303524733f, 0.0662783682f, -0.156998083f, -0.357596546f, 0.255837858f, 0.0552393869f, 0.0493070781f, 0.0852329731f, -0.0246535391f, -0.134540051f, 0.311077237f, 0.110478774f, -0.0901196897f, -0.194797307f] },
    };

    [Theory]
    [MemberData(nameof(ConvForward))]
    public void DeltaFor_Conv_EqualsLycorisForward(bool onOutput, double multiplier, float[] expected)
    {
        using var module = Module([4, 2, 2, 2], onOutput, C1, C2, onOutput ? CMOut : CMIn);
        module.Multiplier = multiplier;
        using var w0 = tensor(C0).view(4, 2, 2, 2);
        using var delta = module.DeltaFor(w0);
        AssertValues(expected, delta);
    }

    // Gradients of Σ G·ΔW through LyCORIS's forward: ‖V‖ keeps its graph, so w1 and w2 get the
    // norm's share too, and m its own (PyTorch autograd on the same forward).
    [Fact]
    public void Backward_Linear_EqualsLycorisAutogradWithNormNotDetached()
    {
        float[] g = [-1f, 0.75f, 0.25f, -0.25f, -0.75f, 1f, 0.25f, -0.25f, -0.75f, 1f, 0.5f, 0f, -0.75f, 1f, 0.5f, 0f, -0.5f, -1f, 0.5f, 0f, -0.5f, -1f, 0.75f, 0.25f];
        using var module = Module([4, 6], true, W1, W2, MOut);
        using var w0 = tensor(W0).view(4, 6);
        using (var loss = (module.DeltaFor(w0) * tensor(g).view(4, 6)).sum()) loss.backward();
        var grads = module.Factors.ToDictionary(f => f.Suffix, f => f.Tensor.grad!);
        AssertValues([0.367807388f, 0.306526691f, -0.0392116867f, 0.051133886f], grads["lokr_w1"], 2e-6f);
        AssertValues([0.788388133f, -0.208191574f, 0.0543584526f, 0.484474778f, -0.607800007f, 0.0348658115f], grads["lokr_w2"], 2e-6f);
        AssertValues([0.49146983f, 0.0284870826f, -1.59977925f, -0.352507263f], grads["dora_scale"], 2e-6f);
    }

    // Under LokrDeltaWindow ΔW is one leaf per step; the decomposition runs per pass on top of it, so
    // outputs and every gradient (dora_scale's straight from autograd, the factors' through the leaf)
    // equal rebuilding ΔW in every pass. The 2nd module is input-axis with multiplier 0.5.
    [Fact]
    public void Window_ThreePasses_GradientsMatchPerPassRebuild()
    {
        var modules = new[]
        {
            RandomLokr.Module(LokrShape.Decide([8, 8], Dokr(true)), 3),
            RandomLokr.Module(LokrShape.Decide([8, 8], Dokr(false)), 4),
        };
        modules[1].Multiplier = 0.5;
        var layers = new[] { new AdaptableLinear(8, 8), new AdaptableLinear(8, 8) };
        var gen = new Generator(5);
        using (no_grad())
            foreach (var (layer, module) in layers.Zip(modules))
            {
                layer.Weight.copy_(randn([8, 8], generator: gen).Times(0.3));
                layer.Delta = module;
            }
        var inputs = Enumerable.Range(0, 3).Select(_ => randn([2, 8], generator: gen)).ToList();

        (List<Tensor> Outputs, List<Tensor> Grads) Run(bool window)
        {
            foreach (var module in modules) foreach (var (_, p) in module.Factors) p.grad = null;
            var held = window ? LokrDeltaWindow.Open(modules) : null;
            if (held is not null) Assert.Equal(2, held.HeldModules);
            var outputs = inputs.Select(x =>
            {
                var y = layers[1].call(layers[0].call(x).tanh());
                (y * y).mean().backward();
                return y.detach();
            }).ToList();
            held?.Close();
            return (outputs, modules.SelectMany(m => m.Factors).Select(f => f.Tensor.grad!.clone()).ToList());
        }

        var (perPass, perPassGrads) = Run(window: false);
        var (windowed, windowedGrads) = Run(window: true);
        foreach (var (a, b) in perPass.Zip(windowed)) Assert.True(allclose(a, b, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(6, windowedGrads.Count);
        foreach (var (a, b) in perPassGrads.Zip(windowedGrads)) Assert.True(allclose(a, b, rtol: 1e-4, atol: 1e-6));
        Assert.True(windowedGrads[0].abs().max().item<float>() > 0f);
    }
}
