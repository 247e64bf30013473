using System.CommandLine;
using Kohaku.Data.Config;
using Kohaku.Diffusion.Lokr;
using Kohaku.Training.Config;
using Kohaku.Training.Distributed;
using Kohaku.Training.Lokr;
using Kohaku.Training.Trainer;

namespace Kohaku.Cli.Verbs;

// `kohaku train`, one process or one rank of `mpirun -np N kohaku train` / `srun --mpi=pmix`.
internal sealed class TrainVerb : IVerb
{
    public static Command Build()
    {
        var config = new Option<string>("--config") { Description = "Run file; its \"train\" and \"lokr\" sections configure the run.", Required = true };
        var workDir = new Option<string>("--work-dir") { Description = "Reads base.safetensors, buckets.json, captions.jsonl; writes latents/, train/, lokr.safetensors.", DefaultValueFactory = _ => Workspace.PathTo("runs/cli") };
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest readable checkpoint in <work-dir>/train/checkpoints." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Start over although <work-dir>/train holds an earlier run's checkpoints (deletes them and its metrics)." };
        var command = new Command("train", "Train LoKr on the SDXL base (kohya sdxl_train_network semantics); under mpirun or srun, data-parallel over the ranks. SIGINT, SIGTERM or SIGUSR1 (mpirun forwards it) finish the step, save a checkpoint and exit 130/143/138.")
        {
            config, workDir, resume, overwrite,
        };
        command.SetAction(parse => Train(parse.GetValue(config)!, parse.GetValue(workDir)!, parse.GetValue(resume), parse.GetValue(overwrite)));
        return command;
    }

    private static int Train(string runFile, string workDir, bool resume, bool overwrite)
    {
        using var stop = new StopSignals("train");
        ICommunicator communicator = SingleProcess.Instance;
        // A diverged run ends like bad input: one line naming the last good checkpoint, exit code 1.
        var code = BadInput.Guard("train", () =>
        {
            var train = RunFile.LoadSection<TrainConfig>(runFile, "train").Validate();
            var lokr = LokrConfig.Load(runFile).Validate();
            var paths = TrainPaths.FromRunFile(runFile, workDir);
            communicator = MpiCommunicator.FromEnvironment();
            var writer = communicator.Rank == 0;
            var result = LokrTraining.Run(train, lokr, paths, resume,
                s => Console.WriteLine($"step {s.Step}/{s.TotalSteps} loss {s.Loss:F5} lr {string.Join(" ", s.LearningRates.Select(kv => $"{kv.Key}={kv.Value:G3}"))} scale {s.LossScale:G} |g| {s.GradNorm:G4} {s.ImagesPerSecond:F2} img/s{(s.Skipped ? " skipped" : "")}{(s.ValidationLoss is { } v ? $" validation {v:F5}" : "")}"),
                Console.Error.WriteLine, stop.Token, communicator: communicator, overwrite: overwrite);
            var done = result.Steps >= result.TotalSteps;
            if (writer)
                Console.WriteLine($"{result.Steps}/{result.TotalSteps} steps, {result.SkippedSteps} skipped; last checkpoint {result.LastCheckpoint ?? "none"}" + (done ? $"; LoKr {paths.LokrOutput}" : $"; stopped early ({stop.Received}), continue with --resume"));
            return done ? 0 : stop.ExitCode;
        }, e => e is TrainingDivergedException);
        // The other ranks wait in their next reduce for a rank that failed: end the whole job.
        if (code == 1 && communicator.Size > 1) communicator.Abort(code);
        communicator.Dispose();
        return code;
    }
}
