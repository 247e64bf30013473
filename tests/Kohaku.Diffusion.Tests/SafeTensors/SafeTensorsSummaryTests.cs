using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.SafeTensors;

public sealed class SafeTensorsSummaryTests
{
    [Fact]
    public void Of_SmallCheckpoint_CountsNamespacesDTypesRanks()
    {
        using var dir = new TempDir();
        var path = dir.File("s.safetensors");
        var entries = new[]
        {
            new SafeTensorEntry("model.diffusion_model.out.2.weight", SafeDType.F16, [4, 8, 3, 3], () => zeros(4, 8, 3, 3)),
            new SafeTensorEntry("model.diffusion_model.out.2.bias", SafeDType.F16, [4], () => zeros(4)),
            new SafeTensorEntry("conditioner.embedders.1.model.logit_scale", SafeDType.F32, [], () => tensor(4.6f)),
            new SafeTensorEntry("first_stage_model.quant_conv.weight", SafeDType.BF16, [8, 8, 1, 1], () => zeros(8, 8, 1, 1)),
        };
        SafeTensorsWriter.Write(path, entries, new Dictionary<string, string> { ["modelspec.title"] = "t" });
        using var file = SafeTensorsFile.Open(path);

        var summary = SafeTensorsSummary.Of(file);

        Assert.Equal(4, summary.TensorCount);
        Assert.Equal(288 + 4 + 1 + 64, summary.ElementCount);
        Assert.Equal((288 + 4) * 2 + 4 + 64 * 2, summary.DataBytes);
        Assert.Equal([("conditioner", 1), ("first_stage_model", 1), ("model", 2)], summary.ByNamespace.Select(kv => (kv.Key, kv.Value)));
        Assert.Equal([(SafeDType.F16, 2), (SafeDType.BF16, 1), (SafeDType.F32, 1)], summary.ByDType.Select(kv => (kv.Key, kv.Value)));
        Assert.Equal([(0, 1), (1, 1), (4, 2)], summary.ByRank.Select(kv => (kv.Key, kv.Value)));
        Assert.Equal(1, summary.MetadataKeys);
    }
}
