using TorchSharp.Modules;

namespace Kohaku.Training.Optim;

// One optimizer parameter group (kohya-sdxl.md §5.3): the UNet adapters and the text-encoder
// adapters train with their own base learning rates; the trainer sets LearningRate every step
// from the schedule, so the group itself holds no schedule state.
public sealed class OptimizerGroup
{
    public OptimizerGroup(string name, IReadOnlyList<Parameter> parameters, double baseLearningRate)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a parameter group needs a name", nameof(name));
        if (!(baseLearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(baseLearningRate), baseLearningRate, $"group {name}: learning rate must be ≥ 0");
        Name = name;
        Parameters = parameters;
        BaseLearningRate = baseLearningRate;
        LearningRate = baseLearningRate;
    }

    public string Name { get; }
    public IReadOnlyList<Parameter> Parameters { get; }
    public double BaseLearningRate { get; }
    public double LearningRate { get; set; }
    public long ElementCount => Parameters.Sum(p => p.numel());
}
