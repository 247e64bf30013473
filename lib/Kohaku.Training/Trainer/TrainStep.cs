namespace Kohaku.Training.Trainer;

// One optimizer step as reported to StepCompleted and written to train/metrics.jsonl.
// Loss is the undivided mean of the step's micro-batch losses (kohya logs the same); ValidationLoss
// is set on the steps the held-out images were evaluated (train.validationEverySteps), else left out.
public sealed record TrainStep(
    long Step,
    long TotalSteps,
    int Epoch,
    double Loss,
    IReadOnlyDictionary<string, double> LearningRates,
    double LossScale,
    double GradNorm,
    double ImagesPerSecond,
    bool Skipped,
    StepTimings Timings,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    double? ValidationLoss = null);

// Wall seconds of one optimizer step by phase (summed over its micro-batches).
public sealed record StepTimings(double Data, double Forward, double Backward, double Optimizer)
{
    public double Total => Data + Forward + Backward + Optimizer;
}
