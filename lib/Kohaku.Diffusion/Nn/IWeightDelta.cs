using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Nn;

// A trainable change to a frozen weight (LoKr and its kin). The base layer stays untouched and
// keeps its checkpoint key; the delta comes from its own parameters on every forward (LoKr may hold
// one built per optimizer step, Lokr/LokrDeltaWindow), so the base state_dict never contains adapter tensors.
public interface IWeightDelta
{
    // ΔW with the shape of `weight`, already multiplied by scale and multiplier, in weight's dtype and device.
    Tensor DeltaFor(Tensor weight);
}
