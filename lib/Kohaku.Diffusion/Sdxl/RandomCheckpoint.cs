using System.Globalization;
using System.Text;
using Kohaku.Data;
using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl;

// A checkpoint with an architecture's exact single-file keys and shapes, all F16 like the real base
// (sdxl-arch.md §1), and random values: the stand-in for the 6.94 GB base and fine-tunes in the
// full-size rehearsal of merge / restore-embeddings / bake, which no test fixture can ship. Written
// tensor by tensor (memory is one tensor, not the file). Each tensor has its own generator seeded from
// (seed, key), so its bytes depend neither on the other keys nor on the order they are written in.
public static class RandomCheckpoint
{
    // CLIP's initial temperature, ln(1/0.07), the value the real files carry.
    private const double LogitScale = 2.6592600345611572;

    public static void Create(string path, long seed, SdxlConfig config)
    {
        var metadata = new Dictionary<string, string>
        {
            ["kohaku.architecture"] = config.Name,
            ["kohaku.seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["kohaku.random"] = "normal weights, std 1/sqrt(fan_in)",
            ["modelspec.prediction_type"] = "epsilon",
        };
        SafeTensorsWriter.Write(path, Entries(seed, config), metadata);
    }

    public static IReadOnlyList<SafeTensorEntry> Entries(long seed, SdxlConfig config) =>
        SdxlLayout.Table(config).Select(kv => new SafeTensorEntry(kv.Key, SafeDType.F16, kv.Value, () => Draw(seed, kv.Key, kv.Value))).ToList();

    // Weights ~ N(0, 1/fan_in) (LeCun: activations keep their scale, so a merge or a bake of them stays
    // finite in fp16), norm gains 1 + N(0, 0.02²), biases N(0, 0.02²); position_ids and logit_scale as
    // a real file has them.
    public static Tensor Draw(long seed, string key, long[] shape)
    {
        if (key.EndsWith(".position_ids", StringComparison.Ordinal))
        {
            using var ids = Scalars.Arange(SafeDTypes.ElementCount(shape), ScalarType.Float16);
            return ids.reshape(shape);
        }
        if (key.EndsWith("logit_scale", StringComparison.Ordinal)) return Scalars.Full(shape, LogitScale, ScalarType.Float16);
        using var generator = new Generator(SeedMix.Of(unchecked((ulong)seed), KeyHash(key), 0));
        // In place: the token embedding alone is 253 MB in fp32.
        using var drawn = randn(shape, generator: generator);
        Scalars.With(shape.Length >= 2 ? 1 / Math.Sqrt(SafeDTypes.ElementCount(shape) / shape[0]) : 0.02, drawn.mul_);
        if (shape.Length < 2 && key.EndsWith(".weight", StringComparison.Ordinal)) drawn.add_(Scalars.One, Scalars.One);
        return drawn.to(ScalarType.Float16);
    }

    // FNV-1a over the key's UTF-8 bytes: stable across runs and platforms, unlike string.GetHashCode.
    public static ulong KeyHash(string key)
    {
        var hash = 0xcbf29ce484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(key))
            hash = unchecked((hash ^ b) * 0x100000001b3UL);
        return hash;
    }
}
