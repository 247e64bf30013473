using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl;

// A random-initialised SdxlConfig.Tiny model written in the real single-file layout (all four
// components under their LDM prefixes, F32), so every stage can run end to end on CPU in minutes.
// Deterministic per seed: same seed, same bytes.
public static class TinyCheckpoint
{
    public static void Create(string path, int seed) => Create(path, seed, SdxlConfig.Tiny);

    public static void Create(string path, int seed, SdxlConfig config)
    {
        SdxlModels models;
        lock (SeedGate)
        {
            // Seed the global generator for the initialisers, then give the caller its stream back.
            using var callerState = get_rng_state();
            manual_seed(seed);
            try { models = SdxlModels.Create(config); }
            finally { set_rng_state(callerState); }
        }
        using (models)
        {
            var metadata = new Dictionary<string, string>
            {
                ["kohaku.architecture"] = config.Name,
                ["kohaku.seed"] = seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["modelspec.prediction_type"] = "epsilon",
            };
            SafeTensorsWriter.Write(path, models.StateDict().Select(k => SafeTensorEntry.Of(k.Key, k.Tensor)), metadata);
        }
    }

    // Construction draws from torch's global generator; two concurrent creations would interleave.
    private static readonly Lock SeedGate = new();
}
