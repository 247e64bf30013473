using System.CommandLine;
using Kohaku.Data.Config;
using Kohaku.Diffusion.Lokr;
using Kohaku.Training.Config;
using Kohaku.Training.Lokr;
using Kohaku.Training.Trainer;

namespace Kohaku.Cli.Verbs;

internal sealed class TrainVerb : IVerb
{
    public static Command Build()
    {
        var config = new Option<string>("--config") { Description = "Run file; its \"train\" and \"lokr\" sections configure the run.", Required = true };
        var workDir = new Option<string>("--work-dir") { Description = "Reads base.safetensors, buckets.json, captions.jsonl; writes latents/, train/, lokr.safetensors.", DefaultValueFactory = _ => "runs/cli" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest checkpoint in <work-dir>/train/checkpoints." };
        var command = new Command("train", "Train LoKr on the SDXL base (kohya sdxl_train_network semantics).") { config, workDir, resume };
        // A diverged run ends like bad input: one line naming the last good checkpoint, exit code 1.
        command.SetAction((parse, cancel) => Task.FromResult(BadInput.Guard("train", () =>
        {
            var runFile = parse.GetValue(config)!;
            var train = RunFile.LoadSection<TrainConfig>(runFile, "train").Validate();
            var lokr = RunFile.LoadSection<LokrConfig>(runFile, "lokr").Validate();
            var paths = TrainPaths.FromRunFile(runFile, parse.GetValue(workDir)!);
            var result = LokrTraining.Run(train, lokr, paths, parse.GetValue(resume),
                s => Console.WriteLine($"step {s.Step}/{s.TotalSteps} loss {s.Loss:F5} lr {string.Join(" ", s.LearningRates.Select(kv => $"{kv.Key}={kv.Value:G3}"))} scale {s.LossScale:G} |g| {s.GradNorm:G4} {s.ImagesPerSecond:F2} img/s{(s.Skipped ? " skipped" : "")}"),
                Console.Error.WriteLine, cancel);
            var done = result.Steps >= result.TotalSteps;
            Console.WriteLine($"{result.Steps}/{result.TotalSteps} steps, {result.SkippedSteps} skipped; last checkpoint {result.LastCheckpoint ?? "none"}" + (done ? $"; LoKr {paths.LokrOutput}" : "; stopped early, continue with --resume"));
            return done ? 0 : 130;
        }, e => e is TrainingDivergedException)));
        return command;
    }
}
