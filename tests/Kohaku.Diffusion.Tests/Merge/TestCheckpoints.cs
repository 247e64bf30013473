using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Merge;

// Small checkpoints for merge/restore/bake tests: the tiny SDXL's real key layout, seeded values.
internal static class TestCheckpoints
{
    public static void WriteTiny(string path, SdxlModels models) =>
        SafeTensorsWriter.Write(path, models.StateDict().ToDictionary(kv => kv.Key, kv => kv.Tensor));

    public static SdxlModels TinyModels(int seed)
    {
        manual_seed(seed);
        return SdxlModels.Create(SdxlConfig.Tiny);
    }

    public static Dictionary<string, Tensor> ReadAll(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.Tensors.ToDictionary(t => t.Name, t => file.Load(t.Name));
    }
}
