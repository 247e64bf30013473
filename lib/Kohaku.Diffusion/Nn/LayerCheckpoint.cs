using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Nn;

// Gradient checkpointing of one layer: a UNet ResBlock or transformer layer (SGM's use_checkpoint, and
// diffusers under kohya's --gradient_checkpointing), or a text-encoder layer (HF CLIP's, which kohya
// turns on with it when the text encoders train). TorchSharp has no torch.utils.checkpoint
// (torchsharp.md §6): the forward keeps only the layer's inputs, the backward recomputes the layer with
// grad enabled and back-propagates through it, which also accumulates its parameter (LoKr) gradients.
// Checkpointing whole UNet input/output blocks instead kept every layer of a block alive during its
// recompute (ten transformer layers at SDXL's 32² level): 3.34 GB of activations per further 1024²
// image against 1.32 per layer (docs/bench.md, full-size rehearsal).
// Arguments: (layer delegate, x, cond, dummy). The dummy requires grad so the output does even when no
// real input does (a frozen conv_in feeding the first ResBlock), else the layer's adapters would get no
// gradient. The layer must be deterministic (SDXL's dropout is 0).
public sealed class LayerCheckpoint : autograd.SingleTensorFunction<LayerCheckpoint>
{
    private const string LayerKey = "layer", NeedsGradKey = "needs-grad";

    public override string Name => nameof(LayerCheckpoint);

    // layer(x, cond), checkpointed when `enabled` and grad is on (inference never checkpoints).
    public static Tensor Call(bool enabled, Func<Tensor, Tensor, Tensor> layer, Tensor x, Tensor cond) =>
        enabled && is_grad_enabled() ? Run(layer, x, cond) : layer(x, cond);

    public static Tensor Call(bool enabled, Func<Tensor, Tensor> layer, Tensor x) =>
        enabled && is_grad_enabled() ? Run(layer, x) : layer(x);

    // cond is the ResBlock's time embedding or the transformer's text context.
    private static Tensor Run(Func<Tensor, Tensor, Tensor> layer, Tensor x, Tensor cond)
    {
        using var dummy = ones(1, device: x.device, requires_grad: true);
        return apply(layer, x, cond, dummy);
    }

    // A layer without conditioning (the text encoders').
    private static Tensor Run(Func<Tensor, Tensor> layer, Tensor x)
    {
        using var none = empty(0, device: x.device, dtype: x.dtype);
        return Run((h, _) => layer(h), x, none);
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var layer = (Func<Tensor, Tensor, Tensor>)vars[0];
        var inputs = new List<Tensor> { (Tensor)vars[1], (Tensor)vars[2] };
        ctx.save_for_backward(inputs);
        ctx.save_data(LayerKey, layer);
        ctx.save_data(NeedsGradKey, inputs.Select(t => t.requires_grad).ToArray());
        return layer(inputs[0], inputs[1]);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var layer = (Func<Tensor, Tensor, Tensor>)ctx.get_data(LayerKey);
        var needsGrad = (bool[])ctx.get_data(NeedsGradKey);
        var detached = ctx.get_saved_variables().Select((t, i) => t.detach().requires_grad_(needsGrad[i])).ToList();
        using (enable_grad())
        {
            // Disposed here rather than by the GC: one layer output per checkpoint, held until a collection.
            using var output = layer(detached[0], detached[1]);
            // A layer with nothing trainable and no grad-requiring input has no graph to walk. An
            // exception here would escape through native code and end the process.
            if (output.requires_grad) autograd.backward([output], [grad_output]);
        }
        Tensor? Grad(int i) => needsGrad[i] ? detached[i].grad : null;   // null when unreached
        return [null!, Grad(0)!, Grad(1)!, null!];
    }
}
