using Kohaku.Diffusion.Merge;

namespace Kohaku.Diffusion.Tests.Merge;

public sealed class BaseConfigTests
{
    [Fact]
    public void Validate_BadFields_ListsEveryOneByName()
    {
        var e = Assert.Throws<ArgumentException>(() => new BaseConfig { Checkpoints = ["a"], Weights = [0.5, 0.5], Dtype = "fp8" }.Validate());
        Assert.Contains("base.checkpoints", e.Message);
        Assert.Contains("base.weights", e.Message);
        Assert.Contains("base.dtype", e.Message);
    }

    [Fact]
    public void ResolvedAgainst_RelativePaths_BecomeAbsoluteNextToRunFile()
    {
        var config = new BaseConfig { Checkpoints = ["a.safetensors", "/abs/b.safetensors"], RestoreEmbeddingsFrom = "ref.safetensors" }
            .ResolvedAgainst("/runs/x/run.json");
        Assert.Equal(["/runs/x/a.safetensors", "/abs/b.safetensors"], config.Checkpoints);
        Assert.Equal("/runs/x/ref.safetensors", config.RestoreEmbeddingsFrom);
    }
}
