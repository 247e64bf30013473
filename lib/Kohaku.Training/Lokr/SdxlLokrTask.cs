using Kohaku.Data.Captions;
using Kohaku.Data.IO;
using Kohaku.Data.Images;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sampling;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tokenizer;
using Kohaku.Training.Config;
using Kohaku.Training.Data;
using Kohaku.Training.Trainer;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Lokr;

// SDXL + LoKr as a diffusion task: latents from the (fp32) VAE, per-fetch caption augmentation,
// both text encoders (with grad when their adapters train), the size vector from the bucket stage,
// and the UNet in the frozen base's dtype; LoKr factors stay fp32 and reach the layers as ΔW.
public sealed class SdxlLokrTask : IDiffusionTask, IPreviewTask
{
    private readonly SdxlModels _models;
    private readonly LokrNetwork _network;
    private readonly ClipTokenizer _tokenizer;
    private readonly SdxlConditioner _conditioner;
    private readonly IReadOnlyList<TrainSample> _samples;
    private readonly Func<long, ProcessedImage> _loadImage;
    private readonly TrainConfig _config;
    private readonly CaptionAugmenter _augmenter;
    private readonly LatentCache? _cache;
    private readonly ScalarType _computeType;

    public SdxlLokrTask(SdxlModels models, LokrNetwork network, ClipTokenizer tokenizer, IReadOnlyList<TrainSample> samples,
        Func<long, ProcessedImage> loadImage, TrainConfig config, LatentCache? cache, Device device, IReadOnlyList<TrainSample>? heldOut = null)
    {
        if (samples.Count == 0) throw new ArgumentException("no training samples", nameof(samples));
        heldOut ??= [];
        _models = models;
        _network = network;
        _tokenizer = tokenizer;
        _conditioner = new SdxlConditioner(models);
        // Held-out samples follow the trained ones, so no bucket of Buckets reaches them.
        _samples = [.. samples, .. heldOut];
        _loadImage = loadImage;
        _config = config;
        _augmenter = config.CaptionAugmenter();
        _cache = config.CacheLatents ? cache : null;
        _computeType = models.Unet.parameters().First().dtype;
        models.Unet.GradientCheckpointing = config.GradientCheckpointing;
        // The text encoders run with grad only when they train (Encode below).
        models.Te1.GradientCheckpointing = models.Te2.GradientCheckpointing = config.GradientCheckpointing && config.TrainTextEncoders;
        Device = device;
        Buckets = TrainSample.GroupByBucket(samples);
        ValidationBatches = TrainSample.GroupByBucket(heldOut)
            .SelectMany((bucket, b) => bucket.Chunk(config.BatchSize).Select(chunk => new SampleBatch(b, chunk.Select(i => i + samples.Count).ToArray())))
            .ToList();
        TrainableGroups = Groups(network);
    }

    public Device Device { get; }
    public IReadOnlyList<TrainableGroup> TrainableGroups { get; }
    public IReadOnlyList<IReadOnlyList<int>> Buckets { get; }
    public IReadOnlyList<SampleBatch> ValidationBatches { get; }

    public Tensor Latents(SampleBatch batch, IReadOnlyList<Generator> rngs)
    {
        using var scope = NewDisposeScope();
        var rows = batch.Samples.Select((i, k) =>
        {
            var s = _samples[i];
            Tensor Pixels() => Chw(_loadImage(s.Id));
            return _cache is null
                ? LatentCache.Encode(Pixels(), _models.Vae, rngs[k])
                : _cache.GetOrEncode(s.Id, s.Bucket.Bucket[0], s.Bucket.Bucket[1], Pixels, _models.Vae);
        }).ToArray();
        return stack(rows).to(Device).MoveToOuterDisposeScope();
    }

    // The captions the text encoders see for a micro-batch: augmented per sample, keyed by the seed,
    // the micro-step and the sample's place, so resume and every rank count draw the same.
    internal List<string> Captions(SampleBatch batch, long microStep) =>
        batch.Samples.Select((s, k) => _augmenter.Augment(_samples[s].Caption, _config.Seed, microStep, k)).ToList();

    public Tensor PredictNoise(Tensor noisyLatents, Tensor timesteps, SampleBatch batch, long microStep) =>
        Predict(noisyLatents, timesteps, batch, Captions(batch, microStep));

    public Tensor PredictHeldOut(Tensor noisyLatents, Tensor timesteps, SampleBatch batch) =>
        Predict(noisyLatents, timesteps, batch, batch.Samples.Select(i => _samples[i].Caption).ToList());

    private Tensor Predict(Tensor noisyLatents, Tensor timesteps, SampleBatch batch, List<string> captions)
    {
        using var scope = NewDisposeScope();
        var ids = captions.Select(c => PromptIds.Encode(_tokenizer, c)).ToList();
        var ids1 = stack(ids.Select(p => tensor(p.Te1)).ToArray()).to(Device);
        var ids2 = stack(ids.Select(p => tensor(p.Te2)).ToArray()).to(Device);
        Tensor context, pooled;
        using (set_grad_enabled(_config.TrainTextEncoders && is_grad_enabled()))
            (context, pooled) = _conditioner.Encode(ids1, ids2);
        var y = _conditioner.SizeVector(pooled, batch.Samples.Select(i => _samples[i].Size).ToList());
        var eps = _models.Unet.call(noisyLatents.to(_computeType), timesteps, context.to(_computeType), y.to(_computeType));
        return eps.MoveToOuterDisposeScope();
    }

    // ΔW once per optimizer step instead of once per micro-batch; see LokrDeltaWindow.
    public void BeginAccumulation() => _network.BeginWindow();

    public void EndAccumulation() => _network.EndWindow();

    // train/previews/step-SSSSSSSS-PP.png: the step and the prompt's index, read back for captions.
    public static string PreviewFileName(long step, int prompt) => $"step-{step:D8}-{prompt:D2}.png";

    public static bool TryParsePreviewFileName(string path, out long step, out int prompt)
    {
        var m = System.Text.RegularExpressions.Regex.Match(Path.GetFileNameWithoutExtension(path), @"^step-(\d+)-(\d+)$");
        step = m.Success ? long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        prompt = m.Success ? int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return m.Success;
    }

    public IReadOnlyList<string> WritePreviews(long step, string directory)
    {
        var written = new List<string>();
        for (var i = 0; i < _config.SamplePrompts.Count; i++)
        {
            var preview = _config.Preview(i);
            var negative = preview.Negative is null ? null : PromptIds.Encode(_tokenizer, preview.Negative);
            var png = SdxlSampler.Generate(_models, PromptIds.Encode(_tokenizer, preview.Prompt), negative, preview.Settings);
            var path = Path.Combine(directory, PreviewFileName(step, i));
            AtomicFile.WriteAllBytes(path, png);
            written.Add(path);
        }
        return written;
    }

    private static Tensor Chw(ProcessedImage image) => tensor(image.Pixels).view(ProcessedImage.Channels, image.Height, image.Width);

    // Checkpoint keys: the LyCORIS module name + factor suffix, norms as <name>.w_norm / .b_norm.
    private static IReadOnlyList<TrainableGroup> Groups(LokrNetwork network)
    {
        var names = new Dictionary<IntPtr, string>();
        foreach (var (target, module) in network.Targets.Zip(network.Modules))
            foreach (var (suffix, p) in module.Factors) names[p.Handle] = $"{target.Name}.{suffix}";
        foreach (var norm in network.Norms)
        {
            names[norm.Weight.Handle] = norm.Name + ".w_norm";
            if (norm.Bias is not null) names[norm.Bias.Handle] = norm.Name + ".b_norm";
        }
        TrainableGroup Group(string name, GroupKind kind, LokrPart part) =>
            new(name, kind, network.Parameters(part).Select(p => (names[p.Handle], p)).ToList());
        return [Group("unet", GroupKind.Unet, LokrPart.Unet), Group("text_encoders", GroupKind.TextEncoder, LokrPart.TextEncoder)];
    }
}
