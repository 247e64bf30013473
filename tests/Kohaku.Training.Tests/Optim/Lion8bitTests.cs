using Kohaku.Training.Optim;
using TorchSharp;
using static Kohaku.Training.Tests.Optim.OptimizerFixture;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Optim;

public class Lion8bitTests
{
    [Fact]
    public void Constructor_TensorsBelow4096_KeepFp32StateAndLargerQuantize()
    {
        using var opt = new Lion8bit(Group(1e-4, Param(zeros(4095)), Param(zeros(4096))), 0.9, 0.95, 0.1);
        var state = opt.StateTensors().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(ScalarType.Float32, state["unet.0.m"].dtype);
        Assert.Equal(ScalarType.Byte, state["unet.1.q"].dtype);
        Assert.Equal(16, state["unet.1.absmax"].numel());
    }

    [Fact]
    public void StateBytes_LargeTensor_IsOneAndAQuarterOf256thBytesPerParameter()
    {
        using var opt = new Lion8bit(Group(1e-4, Param(zeros(1 << 20))), 0.9, 0.95, 0.1);
        Assert.Equal(1.015625, (double)opt.StateBytes / opt.ParameterCount, 9);
    }

    [Theory]
    [InlineData(1024, 32)]
    [InlineData(64, 4097)]
    public void Step_FiftySteps_TracksFp32LionWithinBitsandbytesTolerances(int rows, int columns)
    {
        // Modelled on bitsandbytes tests/test_optim.py (lion8bit_blockwise): compare after each step,
        // then copy the dequantized state and the params into the reference so errors do not accumulate.
        var gen = new Generator(7);
        using var init = randn([rows, columns], generator: gen) * 0.1f;
        var p8 = Param(init);
        var p32 = Param(init);
        using var opt8 = new Lion8bit(Group(1e-4, p8), 0.9, 0.99, 0);
        using var opt32 = new Lion(Group(1e-4, p32), 0.9, 0.99, 0);
        for (var step = 0; step < 50; step++)
        {
            using var scope = NewDisposeScope();
            var g = randn([rows, columns], generator: gen) * 0.01f;
            SetGrad(p8, g);
            SetGrad(p32, g);
            opt8.Step();
            opt32.Step();
            var m8 = opt8.Momentum("unet", 0);
            var m32 = opt32.StateTensors().Single().Value;
            var failing = m8.isclose(m32, rtol: 1e-3, atol: 3e-3).logical_not().sum().item<long>();
            Assert.True(failing < 20, $"step {step}: {failing} state elements off");
            var err = (p8 - p32).abs();
            Assert.True(err.mean().item<float>() < 6e-5f, $"step {step}: mean |err| {err.mean().item<float>()}");
            Assert.True((err / (p32.abs() + 1e-8f)).mean().item<float>() < 6e-4f);
            using var noGrad = no_grad();
            m32.copy_(m8);
            p32.copy_(p8);
        }
    }

    [Fact]
    public void LoadState_SavedBytes_ContinueIdentically()
    {
        var gen = new Generator(11);
        using var init = randn([5000], generator: gen);
        var grads = Enumerable.Range(0, 4).Select(_ => randn([5000], generator: gen)).ToList();
        var a = Param(init);
        using var optA = new Lion8bit(Group(1e-3, a), 0.9, 0.95, 0.1);
        SetGrad(a, grads[0]); optA.Step();
        SetGrad(a, grads[1]); optA.Step();
        var saved = optA.StateTensors().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var b = Param(a.detach());
        using var optB = new Lion8bit(Group(1e-3, b), 0.9, 0.95, 0.1);
        optB.LoadState(saved);
        foreach (var g in grads.Skip(2))
        {
            SetGrad(a, g); optA.Step();
            SetGrad(b, g); optB.Step();
        }
        Assert.True(a.Equals(b));
        foreach (var (key, t) in optA.StateTensors())
            Assert.True(t.Equals(optB.StateTensors().Single(kv => kv.Key == key).Value), key);
    }

    [Fact]
    public void LoadState_WrongShape_NamesTheKey()
    {
        using var opt = new Lion8bit(Group(1e-3, Param(zeros(5000))), 0.9, 0.95, 0.1);
        var saved = opt.StateTensors().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        saved["unet.0.absmax"] = zeros(3);
        var e = Assert.Throws<InvalidDataException>(() => opt.LoadState(saved));
        Assert.Contains("unet.0.absmax", e.Message);
    }
}
