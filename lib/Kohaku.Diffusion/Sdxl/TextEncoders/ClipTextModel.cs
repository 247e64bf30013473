using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.TextEncoders;

// …text_model.encoder.layers.{i}.self_attn → q_proj k_proj v_proj out_proj (all with bias), causal.
public sealed class ClipAttention : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableLinear q_proj, k_proj, v_proj, out_proj;
    private readonly long heads;

    public ClipAttention(long hidden, long heads, Device? device = null, ScalarType? dtype = null) : base(nameof(ClipAttention))
    {
        q_proj = new AdaptableLinear(hidden, hidden, device: device, dtype: dtype);
        k_proj = new AdaptableLinear(hidden, hidden, device: device, dtype: dtype);
        v_proj = new AdaptableLinear(hidden, hidden, device: device, dtype: dtype);
        out_proj = new AdaptableLinear(hidden, hidden, device: device, dtype: dtype);
        this.heads = heads;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // [B, L, heads·d] → [B, heads, L, d]
        Tensor Split(Tensor t) => t.unflatten(2, [heads, t.shape[2] / heads]).transpose(1, 2);
        var o = nn.functional.scaled_dot_product_attention(Split(q_proj.call(x)), Split(k_proj.call(x)), Split(v_proj.call(x)), is_casual: true);
        return out_proj.call(o.transpose(1, 2).flatten(2)).MoveToOuterDisposeScope();
    }
}

// …self_attn's sibling mlp → fc1 fc2 with quick_gelu x·σ(1.702x), as HF CLIP-L.
public sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableLinear fc1, fc2;

    public ClipMlp(long hidden, long intermediate, Device? device = null, ScalarType? dtype = null) : base(nameof(ClipMlp))
    {
        fc1 = new AdaptableLinear(hidden, intermediate, device: device, dtype: dtype);
        fc2 = new AdaptableLinear(intermediate, hidden, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = fc1.call(x);
        using var gate = sigmoid(h.Times(1.702f));
        using var act = h * gate;
        return fc2.call(act);
    }
}

// …text_model.encoder.layers.{i} → layer_norm1 self_attn layer_norm2 mlp (pre-LN).
public sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor>
{
    private readonly ClipAttention self_attn;
    private readonly LayerNorm layer_norm1, layer_norm2;
    private readonly ClipMlp mlp;

    public ClipEncoderLayer(ClipTextConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(ClipEncoderLayer))
    {
        self_attn = new ClipAttention(config.Hidden, config.Heads, device, dtype);
        layer_norm1 = nn.LayerNorm(config.Hidden, device: device, dtype: dtype);
        mlp = new ClipMlp(config.Hidden, config.Intermediate, device, dtype);
        layer_norm2 = nn.LayerNorm(config.Hidden, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = self_attn.call(layer_norm1.call(x)).Plus(x);
        h = mlp.call(layer_norm2.call(h)).Plus(h);
        return h.MoveToOuterDisposeScope();
    }
}

// …text_model.embeddings → token_embedding position_embedding position_ids
public sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
{
    private readonly Embedding token_embedding, position_embedding;
    // Stored in the LDM file (F16 there) and often missing from fine-tunes; kept as a persistent buffer
    // only so the key layout matches (non-persistent buffers are broken in TorchSharp 0.107).
    // The forward computes positions itself, so a missing or meta buffer never matters.
    private readonly Tensor position_ids;

    public ClipTextEmbeddings(ClipTextConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = nn.Embedding(config.VocabSize, config.Hidden, device: device, dtype: dtype);
        position_embedding = nn.Embedding(config.MaxPositions, config.Hidden, device: device, dtype: dtype);
        position_ids = Scalars.Arange(config.MaxPositions, ScalarType.Int64, device).unsqueeze(0);
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids)
    {
        using var positions = Scalars.Arange(ids.shape[1], ScalarType.Int64, ids.device);
        using var tokens = token_embedding.call(ids);
        using var pos = position_embedding.call(positions);
        return tokens.Plus(pos);
    }
}

// …text_model.encoder → layers.{0..n-1}
public sealed class ClipEncoder : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(ClipTextConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(ClipEncoder))
    {
        layers = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new ClipEncoderLayer(config, device, dtype)).ToArray());
        RegisterComponents();
    }

    // Set by ClipTextModel.GradientCheckpointing: each layer is recomputed in the backward.
    public bool GradientCheckpointing { get; set; }

    // The output after the first `count` layers (count = all layers for the last hidden state).
    public Tensor Run(Tensor x, int count)
    {
        using var scope = NewDisposeScope();
        for (var i = 0; i < count; i++) x = LayerCheckpoint.Call(GradientCheckpointing, layers[i].call, x);
        return x.MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x) => Run(x, layers.Count);
}

// …transformer.text_model → embeddings encoder final_layer_norm
public sealed class ClipTextTransformer : nn.Module<Tensor, Tensor>
{
    private readonly ClipTextEmbeddings embeddings;
    private readonly ClipEncoder encoder;
    private readonly LayerNorm final_layer_norm;

    public ClipTextTransformer(ClipTextConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(ClipTextTransformer))
    {
        embeddings = new ClipTextEmbeddings(config, device, dtype);
        encoder = new ClipEncoder(config, device, dtype);
        final_layer_norm = nn.LayerNorm(config.Hidden, device: device, dtype: dtype);
        RegisterComponents();
    }

    public Tensor Hidden(Tensor ids, int layerCount)
    {
        using var x = embeddings.call(ids);
        return encoder.Run(x, layerCount);
    }

    public override Tensor forward(Tensor ids)
    {
        using var x = embeddings.call(ids);
        using var h = encoder.call(x);
        return final_layer_norm.call(h);
    }
}

// conditioner.embedders.0.transformer. → text_model.* (HF CLIPTextModel names, sdxl-arch.md §5).
public sealed class ClipTextModel : nn.Module<Tensor, Tensor>
{
    private readonly ClipTextTransformer text_model;

    public ClipTextModel(ClipTextConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(ClipTextModel))
    {
        Config = config;
        text_model = new ClipTextTransformer(config, device, dtype);
        RegisterComponents();
    }

    public ClipTextConfig Config { get; }

    // Recompute each encoder layer in the backward (a trained text encoder under --gradient_checkpointing).
    public bool GradientCheckpointing
    {
        get => Encoder.GradientCheckpointing;
        set => Encoder.GradientCheckpointing = value;
    }

    private ClipEncoder Encoder => modules().OfType<ClipEncoder>().Single();

    // ids [B, 77] → the hidden state SDXL conditions on: after ContextLayers layers, no final norm. [B, 77, Hidden]
    public Tensor ContextHidden(Tensor ids) => text_model.Hidden(ids, Config.ContextLayers);

    // ids [B, 77] → final_layer_norm(last hidden state) [B, 77, Hidden]; SDXL does not use it.
    public override Tensor forward(Tensor ids) => text_model.call(ids);
}
