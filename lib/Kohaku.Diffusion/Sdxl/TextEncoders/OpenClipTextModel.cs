using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.TextEncoders;

// …transformer.resblocks.{i}.attn → in_proj_weight [3W, W] in_proj_bias [3W] (packed q|k|v rows, as
// torch.nn.MultiheadAttention) out_proj. LyCORIS/A1111 store TE2 adapters per q/k/v
// (lora_te2_text_model_encoder_layers_N_self_attn_{q,k,v}_proj), so each third takes its own delta.
public sealed class OpenClipAttention : nn.Module<Tensor, Tensor>
{
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly AdaptableLinear out_proj;
    private readonly long heads, width;

    public OpenClipAttention(long width, long heads, Device? device = null, ScalarType? dtype = null) : base(nameof(OpenClipAttention))
    {
        // MultiheadAttention's init: xavier-uniform packed weight, zero bias.
        var w = empty(3 * width, width, device: device, dtype: dtype);
        nn.init.xavier_uniform_(w);
        in_proj_weight = new Parameter(w);
        in_proj_bias = new Parameter(zeros(3 * width, device: device, dtype: dtype));
        out_proj = new AdaptableLinear(width, width, device: device, dtype: dtype);
        this.heads = heads;
        this.width = width;
        RegisterComponents();
    }

    public IWeightDelta? QDelta { get; set; }
    public IWeightDelta? KDelta { get; set; }
    public IWeightDelta? VDelta { get; set; }

    public Parameter InProjWeight => in_proj_weight;
    public Parameter InProjBias => in_proj_bias;

    // in_proj_weight plus the stacked [ΔQ; ΔK; ΔV] (zeros for a third without a delta).
    public Tensor EffectiveInProjWeight()
    {
        if (QDelta is null && KDelta is null && VDelta is null) return in_proj_weight.alias();
        using var scope = NewDisposeScope();
        var thirds = in_proj_weight.chunk(3, 0);
        Tensor Third(int i, IWeightDelta? d) => d is null ? zeros_like(thirds[i]) : d.DeltaFor(thirds[i]);
        var delta = cat([Third(0, QDelta), Third(1, KDelta), Third(2, VDelta)], 0);
        return in_proj_weight.Plus(delta).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var qkv = nn.functional.linear(x, EffectiveInProjWeight(), in_proj_bias).chunk(3, -1);
        // [B, L, heads·d] → [B, heads, L, d]
        Tensor Split(Tensor t) => t.unflatten(2, [heads, width / heads]).transpose(1, 2);
        var o = nn.functional.scaled_dot_product_attention(Split(qkv[0]), Split(qkv[1]), Split(qkv[2]), is_casual: true);
        return out_proj.call(o.transpose(1, 2).flatten(2)).MoveToOuterDisposeScope();
    }
}

// …transformer.resblocks.{i}.mlp → c_fc c_proj with exact GELU.
public sealed class OpenClipMlp : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableLinear c_fc, c_proj;

    public OpenClipMlp(long width, long mlpWidth, Device? device = null, ScalarType? dtype = null) : base(nameof(OpenClipMlp))
    {
        c_fc = new AdaptableLinear(width, mlpWidth, device: device, dtype: dtype);
        c_proj = new AdaptableLinear(mlpWidth, width, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = c_fc.call(x);
        using var act = nn.functional.gelu(h);
        return c_proj.call(act);
    }
}

// …transformer.resblocks.{i} → ln_1 attn ln_2 mlp (pre-LN residual block).
public sealed class ResidualAttentionBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1, ln_2;
    private readonly OpenClipAttention attn;
    private readonly OpenClipMlp mlp;

    public ResidualAttentionBlock(OpenClipTextConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(ResidualAttentionBlock))
    {
        ln_1 = nn.LayerNorm(config.Width, device: device, dtype: dtype);
        attn = new OpenClipAttention(config.Width, config.Heads, device, dtype);
        ln_2 = nn.LayerNorm(config.Width, device: device, dtype: dtype);
        mlp = new OpenClipMlp(config.Width, config.MlpWidth, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = attn.call(ln_1.call(x)).Plus(x);
        h = mlp.call(ln_2.call(h)).Plus(h);
        return h.MoveToOuterDisposeScope();
    }
}

// …model.transformer → resblocks.{0..n-1}
public sealed class OpenClipTransformer : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ResidualAttentionBlock> resblocks;

    public OpenClipTransformer(OpenClipTextConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(OpenClipTransformer))
    {
        resblocks = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new ResidualAttentionBlock(config, device, dtype)).ToArray());
        RegisterComponents();
    }

    public int Count => resblocks.Count;

    // Set by OpenClipTextModel.GradientCheckpointing: each block is recomputed in the backward.
    public bool GradientCheckpointing { get; set; }

    public Tensor Layer(int i, Tensor x) => LayerCheckpoint.Call(GradientCheckpointing, resblocks[i].call, x);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        for (var i = 0; i < resblocks.Count; i++) x = Layer(i, x);
        return x.MoveToOuterDisposeScope();
    }
}

// conditioner.embedders.1.model. → token_embedding positional_embedding transformer.* ln_final
// text_projection logit_scale (OpenCLIP names, `visual` removed; sdxl-arch.md §6).
public sealed class OpenClipTextModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding token_embedding;
    private readonly Parameter positional_embedding;
    private readonly OpenClipTransformer transformer;
    private readonly LayerNorm ln_final;
    // Stored [width, projection] and applied as x @ P (OpenCLIP / SGM), not as a Linear weight.
    private readonly Parameter text_projection;
    // CLIP's contrastive temperature: in the file, unused for generation, absent from some fine-tunes.
    private readonly Parameter? logit_scale;

    public OpenClipTextModel(OpenClipTextConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(OpenClipTextModel))
    {
        Config = config;
        token_embedding = nn.Embedding(config.VocabSize, config.Width, device: device, dtype: dtype);
        nn.init.normal_(token_embedding.weight!, std: 0.02);
        positional_embedding = new Parameter(randn(config.ContextLength, config.Width, device: device, dtype: dtype).Times(0.01f));
        transformer = new OpenClipTransformer(config, device, dtype);
        ln_final = nn.LayerNorm(config.Width, device: device, dtype: dtype);
        text_projection = new Parameter(randn(config.Width, config.ProjectionDim, device: device, dtype: dtype).Times((float)Math.Pow(config.Width, -0.5)));
        if (config.HasLogitScale) logit_scale = new Parameter(Scalars.Full([], (float)Math.Log(1 / 0.07), dtype, device));
        RegisterComponents();
    }

    public OpenClipTextConfig Config { get; }

    public Parameter TextProjection => text_projection;

    // Recompute each residual block in the backward (a trained text encoder under --gradient_checkpointing).
    public bool GradientCheckpointing
    {
        get => transformer.GradientCheckpointing;
        set => transformer.GradientCheckpointing = value;
    }

    // ids [B, 77] → (context: output after ContextLayers layers, no ln_final [B, 77, W];
    //                final: ln_final(output after all layers) [B, 77, W]) in one pass.
    public (Tensor Context, Tensor Final) Encode(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var x = token_embedding.call(ids).Plus(positional_embedding.narrow(0, 0, ids.shape[1]));
        Tensor? context = null;
        for (var i = 0; i < transformer.Count; i++)
        {
            if (i == Config.ContextLayers) context = x;
            x = transformer.Layer(i, x);
        }
        context ??= x;
        var final = ln_final.call(x);
        return (context.MoveToOuterDisposeScope(), final.MoveToOuterDisposeScope());
    }

    // ids [B, 77] → ln_final of the last hidden state [B, 77, W].
    public override Tensor forward(Tensor ids)
    {
        var (context, final) = Encode(ids);
        context.Dispose();
        return final;
    }
}
