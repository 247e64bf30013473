using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Sdxl.Unet;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl;

[Collection(MetaDeviceCollection.Name)]
public sealed class ModelPlacementTests
{
    private static UNet BuildBf16Unet() => new(UnetConfig.Tiny, CPU, ScalarType.BFloat16);

    // Issue 18: building a model in bf16 switched torch's process-wide defaults, so a trainer
    // thread creating tensors at the same moment got bf16 weights beside its fp32 inputs.
    [Fact]
    public void BuildingInBf16_LeavesOtherThreadsTensorsFp32OnCpu()
    {
        var builds = 0;
        Exception? buildError = null;
        // A plain thread, not a task: the check loop below must not share a pool thread with it.
        var builder = new Thread(() =>
        {
            try
            {
                for (; builds < 30; builds++)
                {
                    using var unet = BuildBf16Unet();
                }
            }
            catch (Exception e) { buildError = e; }
        });
        builder.Start();

        var wrong = new List<string>();
        var checkedCount = 0;
        while (builder.IsAlive || checkedCount == 0)
        {
            using var scope = NewDisposeScope();
            using var linear = nn.Linear(4, 4);
            using var adaptable = new AdaptableLinear(4, 4);
            Tensor[] made = [linear.weight!, linear.bias!, adaptable.Weight, adaptable.Bias!, zeros(3), ones(3), randn(3), empty(3)];
            foreach (var t in made.Where(t => t.dtype != ScalarType.Float32 || t.device.type != DeviceType.CPU))
                wrong.Add($"{t.dtype} on {t.device} after {builds} builds");
            checkedCount++;
        }
        builder.Join();

        Assert.Null(buildError);
        Assert.Empty(wrong);
    }

    [Fact]
    public void Bf16Build_InitialisesEveryParameterInBf16OnCpu()
    {
        using var unet = BuildBf16Unet();
        foreach (var (name, p) in unet.named_parameters())
        {
            Assert.Equal(ScalarType.BFloat16, p.dtype);
            Assert.Equal(DeviceType.CPU, p.device.type);
            Assert.True(p.isfinite().all().item<bool>(), name);
        }
        // Random init really ran in bf16: the conv weights are not all equal.
        using var std = unet.state_dict()["input_blocks.0.0.weight"].to(ScalarType.Float32).std();
        Assert.True(std.item<float>() > 0);
    }
}
