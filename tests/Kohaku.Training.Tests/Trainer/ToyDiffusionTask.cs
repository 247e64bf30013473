using Kohaku.Training.Data;
using Kohaku.Training.Trainer;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Trainer;

// A tiny denoiser standing in for SDXL: a trainable 3×3 conv (fp32 optimizer state, < 4096
// elements) plus a trainable 64×128 channel mixer (8-bit state) over fixed latents in two buckets.
// heldOut more samples (all 8×8) form its validation batches of 2; previews are tiny fixed PNGs.
internal sealed class ToyDiffusionTask : IDiffusionTask, IPreviewTask
{
    private readonly Tensor[] _means;
    private readonly Parameter _conv;
    private readonly Parameter _mixer;
    private readonly Parameter _textBias;

    public ToyDiffusionTask(int samples = 12, int heldOut = 0)
    {
        using var init = new Generator(99);
        var trained = Enumerable.Range(0, samples)
            .Select(i => randn(i % 3 == 0 ? [4, 8, 12] : [4, 8, 8], generator: init).DetachFromDisposeScope())
            .ToArray();
        _conv = new Parameter(randn([4, 4, 3, 3], generator: init) * 0.1f);
        _mixer = new Parameter(randn([64, 128], generator: init) * 0.01f);
        // From their own generator, so holding samples out leaves the trained ones and the weights as they were.
        using var held = new Generator(98);
        _means = [.. trained, .. Enumerable.Range(0, heldOut).Select(_ => randn([4, 8, 8], generator: held).DetachFromDisposeScope())];
        _textBias = new Parameter(zeros(4));
        Buckets = [Enumerable.Range(0, samples).Where(i => i % 3 == 0).ToArray(), Enumerable.Range(0, samples).Where(i => i % 3 != 0).ToArray()];
        ValidationBatches = Enumerable.Range(samples, heldOut).Chunk(2).Select(c => new SampleBatch(1, c)).ToList();
    }

    public IReadOnlyList<SampleBatch> ValidationBatches { get; }

    // With Record, every PredictHeldOut call's inputs are kept in SeenHeldOut.
    public List<(IReadOnlyList<int> Samples, Tensor Noisy, Tensor Timesteps)> SeenHeldOut { get; } = [];

    public Tensor PredictHeldOut(Tensor noisyLatents, Tensor timesteps, SampleBatch batch)
    {
        if (Record) SeenHeldOut.Add((batch.Samples, noisyLatents.detach().clone().DetachFromDisposeScope(), timesteps.clone().DetachFromDisposeScope()));
        return Forward(noisyLatents, timesteps, 0);
    }

    // One 3×2 preview per call, its red channel set by the step (so each step's image differs).
    public IReadOnlyList<string> WritePreviews(long step, string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"toy-{step}.png");
        using var image = full([3, 2, 3], 0.5f);
        image[0].fill_(step / 100f);
        File.WriteAllBytes(path, Kohaku.Diffusion.Sampling.PngEncoder.Encode(image));
        PreviewWeights.Add(_conv.detach().clone().DetachFromDisposeScope());
        return [path];
    }

    // The conv weight each preview was drawn with (EMA or raw).
    public List<Tensor> PreviewWeights { get; } = [];

    public Device Device => CPU;

    public IReadOnlyList<TrainableGroup> TrainableGroups =>
    [
        new("unet", GroupKind.Unet, [("conv", _conv), ("mixer", _mixer)]),
        new("te", GroupKind.TextEncoder, [("text_bias", _textBias)]),
    ];

    public IReadOnlyList<IReadOnlyList<int>> Buckets { get; }

    // Returns NaN predictions once this many PredictNoise calls have happened (null: never).
    public int? NanAfterCalls { get; set; }
    public int Calls { get; private set; }

    // With Record, every PredictNoise call's inputs are kept in Seen.
    public bool Record { get; init; }
    public List<(long MicroStep, IReadOnlyList<int> Samples, Tensor Noisy, Tensor Timesteps)> Seen { get; } = [];

    public Tensor Latents(SampleBatch batch, IReadOnlyList<Generator> rngs) =>
        stack(batch.Samples.Select((i, k) => _means[i] + randn(_means[i].shape, generator: rngs[k]) * 0.05f).ToArray());

    public Tensor PredictNoise(Tensor noisyLatents, Tensor timesteps, SampleBatch batch, long microStep)
    {
        Calls++;
        if (Record) Seen.Add((microStep, batch.Samples, noisyLatents.detach().clone().DetachFromDisposeScope(), timesteps.clone().DetachFromDisposeScope()));
        var y = Forward(noisyLatents, timesteps, microStep);
        return NanAfterCalls is { } n && Calls > n ? y * float.NaN : y;
    }

    private Tensor Forward(Tensor noisyLatents, Tensor timesteps, long microStep)
    {
        var x = nn.functional.conv2d(noisyLatents, _conv, padding: [1, 1]);
        var mixed = (x.flatten(1)[.., ..64] + 1).unsqueeze(1).matmul(_mixer).sum([2]).view(-1, 1, 1, 1) * 0.01f;
        var t = (timesteps.to(ScalarType.Float32) / 1000f).view(-1, 1, 1, 1);
        return x + mixed + _textBias.view(1, 4, 1, 1) * t + new Random((int)microStep).NextSingle() * 1e-3f;
    }

    public Dictionary<string, Tensor> Snapshot() => TrainableGroups.SelectMany(g => g.Parameters).ToDictionary(kp => kp.Key, kp => kp.Parameter.detach().clone());
}
