using Kohaku.Training.Data;
using Kohaku.Training.Precision;

namespace Kohaku.Training.Checkpoints;

// Everything except tensors a resumed run needs to continue exactly: the optimizer-step counter,
// the schedule position (skipped steps do not advance it), the next batch, the loss scaler and the
// non-finite streak. GradientAccumulation counts the micro-batches of one optimizer step over all
// ranks, so a run resumes at any rank count whose accumulation × ranks matches; WorldSize records
// the rank count that wrote it. Stored as JSON in the checkpoint's safetensors metadata.
public sealed record TrainState(
    long Step,
    long ScheduleStep,
    BatchPosition Position,
    LossScalerState Scaler,
    int ConsecutiveNonFinite,
    long Seed,
    int BatchSize,
    int GradientAccumulation,
    string Optimizer,
    int WorldSize = 1,
    string Objective = TrainState.EpsilonObjective)
{
    // What the model is trained to predict ("epsilon", "v", "v+ztsnr"): a resume under another
    // objective would continue a model with targets it was not trained on. Older checkpoints hold ε.
    public const string EpsilonObjective = "epsilon";

    public static TrainState Start(long seed, int batchSize, int accumulation, string optimizer, LossScalerState scaler, string objective = EpsilonObjective) =>
        new(0, 0, new BatchPosition(0, 0), scaler, 0, seed, batchSize, accumulation, optimizer, Objective: objective);
}
