using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl;

[Collection(MetaDeviceCollection.Name)]
public sealed class TinyCheckpointTests
{
    [Fact]
    public void Create_SameSeed_SameBytesOtherSeedDiffers()
    {
        var (a, b, c) = (TinyModels.TempFile("a.safetensors"), TinyModels.TempFile("b.safetensors"), TinyModels.TempFile("c.safetensors"));
        try
        {
            TinyCheckpoint.Create(a, 5);
            TinyCheckpoint.Create(b, 5);
            TinyCheckpoint.Create(c, 6);
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
            Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(c));
        }
        finally
        {
            foreach (var f in new[] { a, b, c }) File.Delete(f);
        }
    }

    [Fact]
    public void Create_LeavesTheCallersRandomStreamAlone()
    {
        var path = TinyModels.TempFile("rng.safetensors");
        try
        {
            manual_seed(77);
            using var expected = randn(4);
            manual_seed(77);
            TinyCheckpoint.Create(path, 1);
            using var after = randn(4);
            Assert.True(expected.Equals(after));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Create_Tiny_HasAllArchitectureKeysUnderRealPrefixes()
    {
        var path = TinyModels.TempFile("tiny.safetensors");
        try
        {
            TinyCheckpoint.Create(path, 1);
            using var file = SafeTensorsFile.Open(path);
            var expected = SdxlInspector.ArchitectureKeys(SdxlConfig.Tiny);
            Assert.Equal(expected.Select(k => k.Key).Order(StringComparer.Ordinal), file.Names.Order(StringComparer.Ordinal));
            Assert.All(expected, k => Assert.Equal(k.Shape, file.Info(k.Key).Shape));
            Assert.Equal("tiny", file.Metadata["kohaku.architecture"]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
