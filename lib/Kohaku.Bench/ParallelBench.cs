using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kohaku.Data.IO;
using Kohaku.Training.Distributed;

namespace Kohaku.Bench;

// `kohaku bench parallel`: data-parallel training on this machine through mpirun, beside its
// one-process reference measured in the same run. The tiny SDXL + LoKr at one global batch
// (4 × 2): 2 ranks × 1 thread against 1 rank × all cores. The all-reduce of a buffer the size of the
// Δ preset's trainable gradients, over shared memory and over TCP on loopback (the multi-node path),
// as a share of the model card's 51 s optimizer step. The ranks run `kohaku bench-rank PART`; rank 0
// writes their rows.
public sealed class ParallelBench : IStageBench
{
    // The Δ preset's trainable parameters (`kohaku bench train` counts them on the meta device).
    public const int DeltaParameters = 384_645_360;
    // Kohaku XL Δ: about 51 s per optimizer step on two RTX 3090s (the model card).
    private const double DeltaStepSeconds = 51;
    private const int Ranks = 2;

    public string Stage => "parallel";

    public IReadOnlyList<BenchRow> Run(BenchOptions options, TextWriter log, CancellationToken cancel)
    {
        var rows = new List<BenchRow>();
        var steps = Steps(options);
        double reference;
        using (var run = new TinyBenchRun(Path.Combine(options.WorkDir, "parallel-bench", "one")))
            reference = ImagesPerSecond(run.Train(TinyBenchRun.Config(accumulation: Ranks, steps), SingleProcess.Instance, log).Timed);
        var threads = TorchSharp.torch.get_num_threads();
        foreach (var row in RunRanks("train", ["--mca", "btl", "self,vader", "--bind-to", "none"], options, log))
        {
            var ratio = double.Parse(row.Value, CultureInfo.InvariantCulture) / reference;
            rows.Add(row with { Reference = $"1 rank × {threads} threads, accumulation {Ranks}: {reference:F2} img/s; ratio {ratio:F2}; {row.Reference}" });
        }
        rows.AddRange(RunRanks("allreduce", ["--mca", "btl", "self,vader"], options, log).Select(r => r with { Figure = r.Figure + ", shared memory" }));
        rows.AddRange(RunRanks("allreduce", ["--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo"], options, log).Select(r => r with { Figure = r.Figure + ", TCP on loopback" }));
        return rows;
    }

    // One part on every rank of `mpirun -np 2`; the rows rank 0 wrote.
    private IReadOnlyList<BenchRow> RunRanks(string part, string[] mpiOptions, BenchOptions options, TextWriter log)
    {
        var rowsPath = Path.Combine(options.WorkDir, $"parallel-{part}.json");
        File.Delete(rowsPath);
        string[] verb = ["bench-rank", part, "--work", options.WorkDir, "--rows", rowsPath, .. options.Quick ? ["--quick"] : Array.Empty<string>()];
        log.WriteLine($"bench parallel: mpirun -np {Ranks} {string.Join(' ', mpiOptions)} kohaku {string.Join(' ', verb)}");
        using var mpirun = MpiLaunch.Start(Ranks, mpiOptions, verb);
        mpirun.OutputDataReceived += (_, e) => { if (e.Data is { } line) log.WriteLine(line); };
        mpirun.ErrorDataReceived += (_, e) => { if (e.Data is { } line) log.WriteLine(line); };
        mpirun.BeginOutputReadLine();
        mpirun.BeginErrorReadLine();
        mpirun.WaitForExit();
        if (mpirun.ExitCode != 0 || !File.Exists(rowsPath))
            return [new BenchRow(Stage, $"{part} on {Ranks} ranks", $"failed (mpirun exit code {mpirun.ExitCode})")];
        return JsonSerializer.Deserialize<List<BenchRow>>(File.ReadAllText(rowsPath)) ?? [];
    }

    // What one rank of `kohaku bench-rank PART` does; rank 0 writes the rows to rowsPath.
    public static void RankPart(string part, BenchOptions options, string rowsPath, ICommunicator communicator, TextWriter log)
    {
        var rows = part switch
        {
            "train" => TrainRank(options, communicator, log),
            "allreduce" => AllReduceRank(options, communicator),
            _ => throw new ArgumentException($"bench-rank: unknown part \"{part}\" (train, allreduce)"),
        };
        if (communicator.Rank == 0) AtomicFile.WriteAllText(rowsPath, JsonSerializer.Serialize(rows));
    }

    private static List<BenchRow> TrainRank(BenchOptions options, ICommunicator communicator, TextWriter log)
    {
        var placed = RankPlacement.Apply(communicator);
        // Each rank builds its own copy of the inputs; only the trained weights are shared.
        using var run = new TinyBenchRun(Path.Combine(options.WorkDir, "parallel-bench", $"rank{communicator.Rank}"));
        var timed = run.Train(TinyBenchRun.Config(accumulation: 1, Steps(options)), communicator, communicator.Rank == 0 ? log : TextWriter.Null).Timed;
        if (communicator.Rank != 0) return [];
        return [new BenchRow("parallel", $"tiny SDXL + LoKr f8, CPU fp32, batch 4 × 1 per rank on {communicator.Size} ranks × {TorchSharp.torch.get_num_threads()} thread(s) ({placed}): images/s",
            ImagesPerSecond(timed).ToString("F2", CultureInfo.InvariantCulture), "", $"load average {MachineState.LoadAverage()}")];
    }

    private static List<BenchRow> AllReduceRank(BenchOptions options, ICommunicator communicator)
    {
        var count = options.Quick ? 1 << 24 : DeltaParameters;
        var buffer = new float[count];
        var times = new List<double>();
        double[] fence = [0];
        for (var round = 0; round < 4; round++)
        {
            Array.Fill(buffer, communicator.Rank + 1f);
            communicator.AllReduce(fence, ReduceOp.Sum);
            var watch = Stopwatch.StartNew();
            communicator.AllReduce(buffer, ReduceOp.Sum);
            if (round > 0) times.Add(watch.Elapsed.TotalSeconds);
        }
        // Every element must be 1 + 2 + … + N.
        var expected = communicator.Size * (communicator.Size + 1) / 2f;
        if (buffer[0] != expected || buffer[^1] != expected || buffer[count / 2] != expected)
            throw new InvalidDataException($"all-reduce returned {buffer[0]}, {buffer[count / 2]}, {buffer[^1]} where every element should be {expected}");
        if (communicator.Rank != 0) return [];
        var seconds = BenchStats.Median(times);
        var bytes = count * 4.0;
        return [new BenchRow("parallel", $"all-reduce (sum) of {count:N0} fp32 gradients ({bytes / 1e9:F2} GB), {communicator.Size} ranks: seconds",
            seconds.ToString("F3", CultureInfo.InvariantCulture), "",
            $"{bytes / seconds / 1e9:F2} GB/s; {seconds / DeltaStepSeconds:P1} of the model card's {DeltaStepSeconds} s Δ step; rank 0 peak RSS {MachineState.PeakRssBytes() / 1e9:F2} GB (the buffer is {bytes / 1e9:F2} GB)")];
    }

    // The global batch's images per second of the median step.
    private static double ImagesPerSecond(IReadOnlyList<Kohaku.Training.Trainer.TrainStep> timed) =>
        timed.Count == 0 ? double.NaN : BenchStats.Median(timed.Select(s => s.ImagesPerSecond * s.Timings.Total)) / BenchStats.Median(timed.Select(s => s.Timings.Total));

    // The one-process reference and the ranks train the same number of steps.
    private static int Steps(BenchOptions options) => options.Quick ? 3 : 10;
}
