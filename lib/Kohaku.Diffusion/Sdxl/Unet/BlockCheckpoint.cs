using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Unet;

// Gradient checkpointing of one UNet block (TorchSharp has no torch.utils.checkpoint; torchsharp.md §6):
// the forward keeps only the block's inputs, the backward recomputes the block with grad enabled and
// back-propagates through it, which also accumulates the block's parameter (LoKr) gradients.
// Arguments: (block delegate, h, emb, context, dummy). The dummy requires grad so the output does even
// when no real input does (a frozen conv_in feeding the first block), else the block's adapters
// would get no gradient. The block must be deterministic (SDXL's dropout is 0).
public sealed class BlockCheckpoint : autograd.SingleTensorFunction<BlockCheckpoint>
{
    private const string BlockKey = "block", NeedsGradKey = "needs-grad";

    public override string Name => nameof(BlockCheckpoint);

    public static Tensor Run(Func<Tensor, Tensor, Tensor, Tensor> block, Tensor h, Tensor emb, Tensor context, Tensor dummy) =>
        apply(block, h, emb, context, dummy);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var block = (Func<Tensor, Tensor, Tensor, Tensor>)vars[0];
        var inputs = new List<Tensor> { (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3] };
        ctx.save_for_backward(inputs);
        ctx.save_data(BlockKey, block);
        ctx.save_data(NeedsGradKey, inputs.Select(t => t.requires_grad).ToArray());
        return block(inputs[0], inputs[1], inputs[2]);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var block = (Func<Tensor, Tensor, Tensor, Tensor>)ctx.get_data(BlockKey);
        var needsGrad = (bool[])ctx.get_data(NeedsGradKey);
        var detached = ctx.get_saved_variables().Select((t, i) => t.detach().requires_grad_(needsGrad[i])).ToList();
        using (enable_grad())
        {
            var output = block(detached[0], detached[1], detached[2]);
            // A block with nothing trainable and no grad-requiring input (e.g. a frozen conv_in) has no
            // graph to walk. An exception here would escape through native code and end the process.
            if (output.requires_grad) autograd.backward([output], [grad_output]);
        }
        Tensor? Grad(int i) => needsGrad[i] ? detached[i].grad : null;   // null when unreached
        return [null!, Grad(0)!, Grad(1)!, Grad(2)!, null!];
    }
}
