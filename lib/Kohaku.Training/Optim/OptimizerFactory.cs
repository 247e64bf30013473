using Kohaku.Training.Config;

namespace Kohaku.Training.Optim;

public static class OptimizerFactory
{
    public static TrainOptimizer Create(TrainConfig config, IReadOnlyList<OptimizerGroup> groups) => config.Optimizer switch
    {
        OptimizerKind.Lion8bit => new Lion8bit(groups, config.Beta1, config.Beta2, config.WeightDecay, config.Min8BitSize),
        OptimizerKind.Lion => new Lion(groups, config.Beta1, config.Beta2, config.WeightDecay),
        OptimizerKind.AdamW => new AdamW(groups, config.Beta1, config.Beta2, config.WeightDecay, config.AdamEpsilon),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Optimizer, "unknown optimizer"),
    };
}
