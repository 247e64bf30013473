using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Checkpoints;

// A CPU torch.Generator's MT19937 state as a uint8 tensor for the checkpoint (torchsharp.md §4.4:
// explicit generators replay exactly after set_state; GPU randomness cannot be saved, so every
// random draw of the trainer comes from CPU generators and is moved to the device).
public static class GeneratorState
{
    public static Tensor Save(Generator generator) => generator.get_state().clone();

    public static void Restore(Generator generator, Tensor state, string name)
    {
        if (state.dtype != ScalarType.Byte) throw new InvalidDataException($"generator state {name}: expected uint8, found {state.dtype}");
        generator.set_state(state);
    }
}
