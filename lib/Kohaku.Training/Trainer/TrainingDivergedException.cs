namespace Kohaku.Training.Trainer;

// Raised when the loss stayed non-finite for more steps in a row than train.maxConsecutiveNonFinite;
// the newest checkpoint on disk predates the divergence (non-finite steps never update weights).
public sealed class TrainingDivergedException(long step, int streak, string? lastCheckpoint)
    : Exception($"training stopped at step {step}: the loss was NaN/inf {streak} steps in a row; " +
                (lastCheckpoint is null ? "no checkpoint was written yet" : $"last good checkpoint: {lastCheckpoint}"))
{
    public long Step { get; } = step;
    public string? LastCheckpoint { get; } = lastCheckpoint;
}
