using Kohaku.Diffusion.Merge;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl;

[Collection(MetaDeviceCollection.Name)]
public sealed class RandomCheckpointTests
{
    [Fact]
    public void Create_Tiny_KeysAndShapesOfTheTinyLayoutAllF16_ReadableByCheckpointReader()
    {
        var path = TinyModels.TempFile("random-tiny.safetensors");
        try
        {
            RandomCheckpoint.Create(path, 3, SdxlConfig.Tiny);
            using var reader = CheckpointReader.Open(path);
            var table = SdxlLayout.Table(SdxlConfig.Tiny);
            Assert.Equal(table.Keys.Order(StringComparer.Ordinal), reader.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
            Assert.All(reader.Tensors, t => Assert.Equal(table[t.Name], t.Shape));
            Assert.All(reader.Tensors, t => Assert.Equal(SafeDType.F16, t.DType));
            Assert.Equal("tiny", reader.Metadata["kohaku.architecture"]);
            Assert.Same(SdxlConfig.Tiny, SdxlCheckpoint.Detect(reader.Tensors));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Create_SameSeed_SameBytesOtherSeedDiffers()
    {
        var (a, b, c) = (TinyModels.TempFile("random-a.safetensors"), TinyModels.TempFile("random-b.safetensors"), TinyModels.TempFile("random-c.safetensors"));
        try
        {
            RandomCheckpoint.Create(a, 5, SdxlConfig.Tiny);
            RandomCheckpoint.Create(b, 5, SdxlConfig.Tiny);
            RandomCheckpoint.Create(c, 6, SdxlConfig.Tiny);
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
            Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(c));
        }
        finally
        {
            foreach (var f in new[] { a, b, c }) File.Delete(f);
        }
    }

    // Reference: torch 1.13 (python3-torch), torch.Generator().manual_seed(SeedMix(7, FNV-1a(key), 0)),
    // randn(shape) scaled as Draw says, .half(); the int16 bit patterns of the first four values.
    [Theory]
    [InlineData("model.diffusion_model.input_blocks.0.0.weight", new long[] { 32, 4, 3, 3 }, new short[] { -21515, -22818, 11975, -20492 })]
    [InlineData("model.diffusion_model.out.0.weight", new long[] { 32 }, new short[] { 15390, 15339, 15340, 15350 })]
    [InlineData("model.diffusion_model.out.2.bias", new long[] { 4 }, new short[] { 7661, -24674, 10272, 9501 })]
    public void Draw_MatchesTorchReference(string key, long[] shape, short[] firstBits)
    {
        using var t = RandomCheckpoint.Draw(7, key, shape);
        Assert.Equal(ScalarType.Float16, t.dtype);
        Assert.Equal(shape, t.shape);
        using var first = t.flatten().narrow(0, 0, 4).contiguous();
        Assert.Equal(firstBits, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(first.bytes).ToArray());
    }

    [Fact]
    public void Draw_PositionIdsAndLogitScale_AsTheRealFileHasThem()
    {
        using var ids = RandomCheckpoint.Draw(1, "conditioner.embedders.0.transformer.text_model.embeddings.position_ids", [1, 77]);
        Assert.Equal(Enumerable.Range(0, 77).Select(i => (float)i), ids.to(ScalarType.Float32).data<float>().ToArray());
        using var scale = RandomCheckpoint.Draw(1, "conditioner.embedders.1.model.logit_scale", []);
        Assert.Equal((float)(Half)2.6592600345611572, scale.to(ScalarType.Float32).item<float>());
    }

    // The full-size header without writing 6.94 GB: sdxl-arch.md §1's count and data bytes.
    [Fact]
    public void Entries_Sdxl_2515F16TensorsOf6937675890Bytes()
    {
        var entries = RandomCheckpoint.Entries(0, SdxlConfig.Sdxl);
        Assert.Equal(2515, entries.Count);
        Assert.All(entries, e => Assert.Equal(SafeDType.F16, e.DType));
        Assert.Equal(6_937_675_890L, entries.Sum(e => e.ByteCount));
        var header = SafeTensorsWriter.BuildHeader(entries.OrderBy(e => e.Name, StringComparer.Ordinal).ToList(), null, "sdxl.safetensors");
        Assert.Equal(0, header.Length % 8);
    }

    [Fact]
    public void Merge_TwoRandomTinyCheckpoints_Finite()
    {
        var (a, b, merged) = (TinyModels.TempFile("random-m1.safetensors"), TinyModels.TempFile("random-m2.safetensors"), TinyModels.TempFile("random-merged.safetensors"));
        try
        {
            RandomCheckpoint.Create(a, 1, SdxlConfig.Tiny);
            RandomCheckpoint.Create(b, 2, SdxlConfig.Tiny);
            WeightedMerge.Run([a, b], [0.5, 0.5], merged);
            using var reader = CheckpointReader.Open(merged);
            Assert.All(reader.Tensors, info =>
            {
                using var t = reader.Load(info.Name, ScalarType.Float32);
                Assert.True(t.isfinite().all().item<bool>(), info.Name);
            });
        }
        finally
        {
            foreach (var f in new[] { a, b, merged }) File.Delete(f);
        }
    }
}
