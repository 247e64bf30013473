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

    // The tiny layout with one tensor swapped for another (a mis-shaped known key).
    public static void WriteTiny(string path, SdxlModels models, string key, Tensor replacement)
    {
        var tensors = models.StateDict().ToDictionary(kv => kv.Key, kv => kv.Tensor);
        if (!tensors.ContainsKey(key)) throw new ArgumentException($"no tensor '{key}' in the tiny layout", nameof(key));
        tensors[key] = replacement;
        SafeTensorsWriter.Write(path, tensors);
    }

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
