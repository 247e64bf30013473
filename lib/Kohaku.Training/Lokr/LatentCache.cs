using System.Globalization;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Lokr;

// Scaled VAE latents per image and bucket (kohya --cache_latents_to_disk, kohya-sdxl.md §1.7):
// one posterior sample, drawn once from a generator seeded by (seed, id) so the cache's presence
// never shifts the trainer's random stream, encoded with the VAE in fp32, stored as
// workDir/latents/<id>_<WWWW>x<HHHH>.safetensors.
public sealed class LatentCache(string directory, long seed)
{
    public const string TensorName = "latents";

    public string Directory { get; } = directory;

    public string PathFor(long id, int width, int height) =>
        Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"{id}_{width:D4}x{height:D4}.safetensors"));

    // [4, h, w] fp32 on CPU: from disk, or encoded from the pixels and written (atomically).
    public Tensor GetOrEncode(long id, int width, int height, Func<Tensor> pixels, AutoencoderKL vae)
    {
        var path = PathFor(id, width, height);
        if (File.Exists(path))
        {
            using var file = SafeTensorsFile.Open(path);
            return file.Load(TensorName, ScalarType.Float32);
        }
        var latents = Encode(pixels(), vae, new Generator(unchecked((ulong)(seed * 1_000_003 + id))));
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { [TensorName] = latents }, new Dictionary<string, string> { ["kohaku.scaled"] = "true" });
        return latents;
    }

    // image [3, H, W] in [−1, 1] → scaled latent sample [4, H/8, W/8] fp32 on CPU.
    public static Tensor Encode(Tensor image, AutoencoderKL vae, Generator rng)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var weight = vae.parameters().First();
        var latents = vae.Encode(image.unsqueeze(0).to(weight.dtype, weight.device), rng)[0];
        // kohya replaces NaNs in fresh latents with 0 (with a warning).
        return latents.to(ScalarType.Float32).cpu().nan_to_num(0).MoveToOuterDisposeScope();
    }
}
