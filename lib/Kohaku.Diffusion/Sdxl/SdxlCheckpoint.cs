using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl;

// Loads the four components of a single-file SDXL checkpoint (sdxl-arch.md §1, §10): by name,
// shapes checked, values cast to the compute dtype; position_ids and logit_scale may be missing;
// a bare `text_projection` or the HF-style `text_projection.weight` (= Pᵀ) are both accepted;
// any other missing or mis-shaped key fails naming the file and keys.
public static class SdxlCheckpoint
{
    private const string ProjectionKey = SdxlModels.Te2Prefix + "text_projection";
    private const string HfProjectionKey = ProjectionKey + ".weight";

    public static SdxlModels Load(string path, SdxlConfig? config, Device device, ScalarType dtype) =>
        LoadWithReports(path, config, device, dtype).Models;

    // config null: detected from the file's shapes. Unexpected keys are reported, not fatal.
    public static (SdxlModels Models, IReadOnlyDictionary<string, LoadReport> Reports) LoadWithReports(string path, SdxlConfig? config, Device device, ScalarType dtype)
    {
        using var file = SafeTensorsFile.Open(path);
        config ??= Detect(file) ?? throw new InvalidDataException($"{path}: shapes match no known SDXL architecture ({string.Join(", ", SdxlConfig.Presets.Select(p => p.Name))})");
        // The SDXL VAE overflows in fp16 (sdxl-arch.md §8): keep it in fp32 then.
        var vaeType = dtype == ScalarType.Float16 ? ScalarType.Float32 : dtype;
        // Parameters are born on the target device in the target dtype, so no fp32 copy is ever held.
        var models = new SdxlModels(config,
            new Unet.UNet(config.Unet, device, dtype),
            new TextEncoders.ClipTextModel(config.Te1, device, dtype),
            new TextEncoders.OpenClipTextModel(config.Te2, device, dtype),
            new Vae.AutoencoderKL(config.Vae, device, vaeType));
        try
        {
            var reports = new Dictionary<string, LoadReport>();
            foreach (var (prefix, module) in models.Components())
            {
                var report = StateDictLoader.Load(module, file, prefix, dtype: module == models.Vae ? vaeType : dtype);
                if (prefix == SdxlModels.Te2Prefix) report = LoadHfProjection(report, models, file);
                report.ThrowIfIncomplete(path);
                reports[prefix] = report;
            }
            return (models, reports);
        }
        catch
        {
            models.Dispose();
            throw;
        }
    }

    // Fine-tunes that went through an HF conversion store W = Pᵀ under text_projection.weight.
    private static LoadReport LoadHfProjection(LoadReport report, SdxlModels models, SafeTensorsFile file)
    {
        if (!report.Missing.Contains(ProjectionKey) || !file.Contains(HfProjectionKey)) return report;
        var target = models.Te2.TextProjection;
        using (no_grad())
        {
            using var hf = file.Load(HfProjectionKey, target.dtype, target.device);
            if (!hf.shape.SequenceEqual(new[] { target.shape[1], target.shape[0] }))
                return report with { Mismatched = [.. report.Mismatched, new ShapeMismatch(HfProjectionKey, [target.shape[1], target.shape[0]], hf.shape)] };
            target.copy_(hf.t());   // copy_ returns the target itself: never dispose it
        }
        return report with
        {
            Loaded = [.. report.Loaded, HfProjectionKey],
            Missing = report.Missing.Where(k => k != ProjectionKey).ToList(),
            Unexpected = report.Unexpected.Where(k => k != HfProjectionKey).ToList(),
        };
    }

    // The preset whose probe shapes (UNet width and ADM input, both text widths, VAE width) the file
    // has; null when none fits.
    public static SdxlConfig? Detect(SafeTensorsFile file) => Detect(file.Tensors);

    public static SdxlConfig? Detect(IReadOnlyList<SafeTensorInfo> tensors)
    {
        var shapes = tensors.ToDictionary(t => t.Name, t => t.Shape, StringComparer.Ordinal);
        return SdxlConfig.Presets.FirstOrDefault(config => Probes(config).All(p => shapes.TryGetValue(p.Key, out var s) && s.SequenceEqual(p.Shape)));
    }

    private static IEnumerable<(string Key, long[] Shape)> Probes(SdxlConfig c)
    {
        yield return (SdxlModels.UnetPrefix + "input_blocks.0.0.weight", [c.Unet.ModelChannels, c.Unet.InChannels, 3, 3]);
        yield return (SdxlModels.UnetPrefix + "label_emb.0.0.weight", [c.Unet.TimeEmbedDim, c.Unet.AdmInChannels]);
        yield return (SdxlModels.Te1Prefix + "text_model.embeddings.token_embedding.weight", [c.Te1.VocabSize, c.Te1.Hidden]);
        yield return (SdxlModels.Te2Prefix + "token_embedding.weight", [c.Te2.VocabSize, c.Te2.Width]);
        yield return (SdxlModels.VaePrefix + "encoder.conv_in.weight", [c.Vae.Channels, c.Vae.InChannels, 3, 3]);
    }
}
