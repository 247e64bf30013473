using Kohaku.Diffusion.Merge;
using Kohaku.Diffusion.Tests.SafeTensors;
using Kohaku.Diffusion.Tests.Sdxl;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Merge;

[Collection(MetaDeviceCollection.Name)]
public sealed class EmbeddingRestoreTests
{
    [Fact]
    public void Run_TinyCheckpoints_RestoresTheFourEmbeddingsOnly()
    {
        using var dir = new TempDir();
        using (var a = TestCheckpoints.TinyModels(1)) TestCheckpoints.WriteTiny(dir.File("orig.safetensors"), a);
        using (var b = TestCheckpoints.TinyModels(2)) TestCheckpoints.WriteTiny(dir.File("tuned.safetensors"), b);
        var restored = EmbeddingRestore.Run(dir.File("orig.safetensors"), dir.File("tuned.safetensors"), dir.File("out.safetensors"));
        Assert.Equal(EmbeddingRestore.Keys, restored);
        var orig = TestCheckpoints.ReadAll(dir.File("orig.safetensors"));
        var tuned = TestCheckpoints.ReadAll(dir.File("tuned.safetensors"));
        var result = TestCheckpoints.ReadAll(dir.File("out.safetensors"));
        Assert.Equal(tuned.Keys.Order(), result.Keys.Order());
        foreach (var (key, t) in result)
        {
            var source = EmbeddingRestore.Keys.Contains(key) ? orig[key] : tuned[key];
            Assert.True(allclose(t, source, 0, 0), key);
        }
        Assert.False(allclose(orig[EmbeddingRestore.Keys[3]], tuned[EmbeddingRestore.Keys[3]]));
    }

    [Fact]
    public void Run_TunedKnownKeyMisShaped_NamesItAndWritesNothing()
    {
        using var dir = new TempDir();
        const string key = "first_stage_model.decoder.conv_out.weight";
        using (var a = TestCheckpoints.TinyModels(1)) TestCheckpoints.WriteTiny(dir.File("orig.safetensors"), a);
        using (var b = TestCheckpoints.TinyModels(2)) TestCheckpoints.WriteTiny(dir.File("tuned.safetensors"), b, key, zeros(3, 2));
        var e = Assert.Throws<InvalidDataException>(() => EmbeddingRestore.Run(dir.File("orig.safetensors"), dir.File("tuned.safetensors"), dir.File("out.safetensors")));
        Assert.StartsWith($"{dir.File("tuned.safetensors")}: '{key}' has shape [3, 2], the tiny layout expects [3, ", e.Message);
        Assert.False(File.Exists(dir.File("out.safetensors")));
    }

    [Fact]
    public void Run_NoEmbeddingKeys_Throws()
    {
        using var dir = new TempDir();
        Kohaku.Diffusion.SafeTensors.SafeTensorsWriter.Write(dir.File("x.safetensors"), new Dictionary<string, Tensor> { ["w"] = ones(1) });
        var e = Assert.Throws<InvalidDataException>(() => EmbeddingRestore.Run(dir.File("x.safetensors"), dir.File("x.safetensors"), dir.File("y.safetensors")));
        Assert.Contains("x.safetensors", e.Message);
    }
}
