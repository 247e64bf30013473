namespace Kohaku.Training.Schedule;

// transformers' constant_with_warmup as kohya uses it (kohya-sdxl.md §5.4): factor(s) = s / warmup
// for s < warmup, else 1, where s counts optimizer steps already taken. LambdaLR evaluates it
// before the first step, so step 0 runs at lr 0. Skipped (overflowed) steps do not advance s.
public sealed record WarmupConstantSchedule(int WarmupSteps)
{
    public double Factor(long completedSteps)
    {
        if (completedSteps < 0) throw new ArgumentOutOfRangeException(nameof(completedSteps));
        return completedSteps < WarmupSteps ? (double)completedSteps / WarmupSteps : 1.0;
    }

    public double LearningRate(double baseLearningRate, long completedSteps) => baseLearningRate * Factor(completedSteps);
}
