using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Unet;

// model.diffusion_model. → time_embed.{0,2} label_emb.0.{0,2} input_blocks.{i}.{k} middle_block.{0,1,2}
// output_blocks.{i}.{k} out.{0,2} (sdxl-arch.md §3). ε-prediction: forward(x, timesteps, context, y).
public sealed class UNet : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    private readonly Sequential time_embed, label_emb, @out;
    private readonly ModuleList<ModuleList<nn.Module>> input_blocks, output_blocks;
    private readonly ModuleList<nn.Module> middle_block;
    private readonly long modelChannels;

    public UNet(UnetConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(UNet))
    {
        Config = config;
        modelChannels = config.ModelChannels;
        var embDim = config.TimeEmbedDim;
        var groups = config.NormGroups;
        time_embed = nn.Sequential(new AdaptableLinear(config.ModelChannels, embDim, device: device, dtype: dtype), nn.SiLU(), new AdaptableLinear(embDim, embDim, device: device, dtype: dtype));
        // The double nesting is SGM's num_classes="sequential": hence the keys label_emb.0.0 / label_emb.0.2.
        label_emb = nn.Sequential(nn.Sequential(new AdaptableLinear(config.AdmInChannels, embDim, device: device, dtype: dtype), nn.SiLU(), new AdaptableLinear(embDim, embDim, device: device, dtype: dtype)));

        ResBlock Res(long cin, long cout) => new(cin, cout, embDim, groups, device, dtype);
        SpatialTransformer Attn(long ch, int depth) => new(ch, depth, config.HeadChannels, config.ContextDim, groups, device, dtype);

        var inputs = new List<ModuleList<nn.Module>> { nn.ModuleList<nn.Module>(new AdaptableConv2d(config.InChannels, config.ModelChannels, 3, padding: 1, device: device, dtype: dtype)) };
        var skipChannels = new Stack<long>([config.ModelChannels]);
        long ch = config.ModelChannels;
        var levels = config.ChannelMult.Length;
        for (var level = 0; level < levels; level++)
        {
            for (var r = 0; r < config.NumResBlocks; r++)
            {
                var width = (long)config.ModelChannels * config.ChannelMult[level];
                var layers = new List<nn.Module> { Res(ch, width) };
                ch = width;
                if (config.TransformerDepth[level] > 0) layers.Add(Attn(ch, config.TransformerDepth[level]));
                inputs.Add(nn.ModuleList(layers.ToArray()));
                skipChannels.Push(ch);
            }
            if (level != levels - 1)
            {
                inputs.Add(nn.ModuleList<nn.Module>(new Downsample(ch, device, dtype)));
                skipChannels.Push(ch);
            }
        }
        input_blocks = nn.ModuleList(inputs.ToArray());

        middle_block = nn.ModuleList<nn.Module>(Res(ch, ch), Attn(ch, config.MiddleDepth), Res(ch, ch));

        var outputs = new List<ModuleList<nn.Module>>();
        for (var level = levels - 1; level >= 0; level--)
        {
            for (var r = 0; r <= config.NumResBlocks; r++)
            {
                var width = (long)config.ModelChannels * config.ChannelMult[level];
                var layers = new List<nn.Module> { Res(ch + skipChannels.Pop(), width) };
                ch = width;
                if (config.TransformerDepth[level] > 0) layers.Add(Attn(ch, config.TransformerDepth[level]));
                if (level > 0 && r == config.NumResBlocks) layers.Add(new Upsample(ch, device, dtype));
                outputs.Add(nn.ModuleList(layers.ToArray()));
            }
        }
        output_blocks = nn.ModuleList(outputs.ToArray());

        @out = nn.Sequential(new GroupNorm32(groups, ch, 1e-5, device, dtype), nn.SiLU(), new AdaptableConv2d(ch, config.OutChannels, 3, padding: 1, device: device, dtype: dtype));
        RegisterComponents();
    }

    public UnetConfig Config { get; }

    // Recompute each ResBlock and transformer layer in the backward instead of keeping its activations
    // (kohya's --gradient_checkpointing): about one more forward of compute for a fraction of the memory.
    public bool GradientCheckpointing
    {
        get => gradientCheckpointing;
        set
        {
            gradientCheckpointing = value;
            foreach (var transformer in modules().OfType<SpatialTransformer>()) transformer.GradientCheckpointing = value;
        }
    }

    private bool gradientCheckpointing;

    // x [B, 4, h, w] latents (already scaled by c_in); timesteps [B] discrete indices 0..999;
    // context [B, L, ContextDim]; y [B, AdmInChannels] → ε [B, 4, h, w].
    public override Tensor forward(Tensor x, Tensor timesteps, Tensor context, Tensor y)
    {
        using var scope = NewDisposeScope();
        var tEmb = SinusoidalEmbedding.Embed(timesteps, modelChannels).to(x.dtype);
        var emb = time_embed.call(tEmb).Plus(label_emb.call(y.to(x.dtype)));
        context = context.to(x.dtype);

        Tensor Run(ModuleList<nn.Module> block, Tensor input) => RunBlock(block, input, emb, context, gradientCheckpointing);

        var skips = new Stack<Tensor>();
        var h = x;
        foreach (var block in input_blocks)
        {
            h = Run(block, h);
            skips.Push(h);
        }
        h = Run(middle_block, h);
        foreach (var block in output_blocks)
            h = Run(block, cat([h, skips.Pop()], 1));   // [h, skip]: current first
        return @out.call(h).MoveToOuterDisposeScope();
    }

    // SGM's TimestepEmbedSequential: ResBlocks get the embedding, SpatialTransformers the context.
    // A SpatialTransformer checkpoints its own layers.
    private static Tensor RunBlock(ModuleList<nn.Module> block, Tensor h, Tensor emb, Tensor context, bool checkpoint)
    {
        foreach (var layer in block)
        {
            h = layer switch
            {
                ResBlock res => LayerCheckpoint.Call(checkpoint, res.call, h, emb),
                SpatialTransformer st => st.call(h, context),
                nn.Module<Tensor, Tensor> plain => plain.call(h),
                _ => throw new InvalidOperationException($"unexpected UNet layer {layer.GetType().Name}"),
            };
        }
        return h;
    }
}
