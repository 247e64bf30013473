using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Kohaku.Data.Config;
using Kohaku.Data.IO;
using Kohaku.Diffusion.Lokr;
using Kohaku.Training.Checkpoints;
using Kohaku.Training.Config;
using Kohaku.Training.Lokr;
using Kohaku.Training.Trainer;

namespace Kohaku.Training.Distributed;

// train.processes > 1 outside an MPI job (notebook 05, `kohaku run`, a plain `kohaku train`): the stage
// starts `mpirun -np N kohaku train` on the same inputs and follows rank 0's metrics.jsonl, so the
// progress and the loss chart work as they do in one process. A stop request reaches every rank as
// SIGUSR1, which mpirun forwards (its own SIGINT and SIGTERM would kill the ranks).
public static partial class MpiLaunch
{
    public const string RunFileName = "mpi-launch.run.json";
    private const int SigUsr1 = 10;

    public static TrainResult Train(TrainConfig config, LokrConfig lokr, TrainPaths paths, bool resume, bool overwrite,
        Action<TrainStep>? onStep, Action<string>? log, CancellationToken cancel)
    {
        var standard = TrainPaths.ForWorkDir(paths.WorkDir, paths.TokenizerDir, paths.ImageFolders);
        if ((paths.BaseCheckpoint, paths.BucketsJson, paths.CaptionsJsonl) != (standard.BaseCheckpoint, standard.BucketsJson, standard.CaptionsJsonl))
            throw new ArgumentException($"train.processes {config.Processes}: the ranks read base.safetensors, buckets.json and captions.jsonl from {paths.WorkDir}; put the inputs there");

        // The ranks' run file: this run's sections with absolute paths, in the train folder it belongs to.
        Directory.CreateDirectory(paths.TrainDir);
        var runFile = Path.Combine(paths.TrainDir, RunFileName);
        var sections = new Dictionary<string, object>
        {
            ["train"] = config with { Processes = 1, Tokenizer = paths.TokenizerDir },
            ["lokr"] = lokr,
            ["buckets"] = new Dictionary<string, object> { ["images"] = paths.ImageFolders },
        };
        AtomicFile.WriteAllText(runFile, JsonSerializer.Serialize(sections, RunFile.Json));

        string[] verb = ["train", "--config", runFile, "--work-dir", paths.WorkDir, .. resume ? ["--resume"] : Array.Empty<string>(), .. overwrite ? ["--overwrite"] : Array.Empty<string>()];
        log?.Invoke($"train: mpirun -np {config.Processes} kohaku train --config {runFile}");
        using (var mpirun = Start(config.Processes, [], verb))
        {
            mpirun.ErrorDataReceived += (_, e) => { if (e.Data is { } line) log?.Invoke(line); };
            mpirun.BeginErrorReadLine();
            using var stop = cancel.Register(() => kill(mpirun.Id, SigUsr1));
            var metrics = new MetricsFollower(Path.Combine(paths.TrainDir, "metrics.jsonl"));
            while (mpirun.StandardOutput.ReadLine() is { } line)
            {
                // Rank 0 prints "step N/M …" after it has appended step N to metrics.jsonl.
                if (StepLine().Match(line) is { Success: true } m)
                    foreach (var s in metrics.Through(long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))) onStep?.Invoke(s);
                else log?.Invoke(line);
            }
            mpirun.WaitForExit();
            var last = metrics.Last;
            var stopped = cancel.IsCancellationRequested && mpirun.ExitCode != 0 && last is not null;
            if (mpirun.ExitCode != 0 && !stopped)
                throw new InvalidOperationException($"mpirun -np {config.Processes} kohaku train exited with code {mpirun.ExitCode} (its messages are above); the last checkpoint in {paths.TrainDir} is intact, continue with resume");
            var checkpoints = TrainCheckpoint.List(Path.Combine(paths.TrainDir, "checkpoints"));
            var skipped = File.Exists(metrics.Path) ? MetricsLog.Read(metrics.Path).Count(s => s.Skipped) : 0;
            return new TrainResult(last?.Step ?? 0, last?.TotalSteps ?? 0, checkpoints.Count > 0 ? checkpoints[0].Path : null, skipped);
        }
    }

    // `mpirun -np N [options] dotnet kohaku.dll VERB…` with stdout and stderr redirected, in a session
    // of its own, so a Ctrl-C in the terminal reaches this process (which asks the ranks to stop after
    // their step) and not mpirun (which would kill them a second later).
    public static Process Start(int processes, IEnumerable<string> mpiOptions, IEnumerable<string> kohakuArguments)
    {
        var app = Assembly.GetEntryAssembly()?.Location;
        if (app is null || !string.Equals(Path.GetFileName(app), "kohaku.dll", StringComparison.Ordinal))
            throw new InvalidOperationException($"only the kohaku app (its verbs and notebook kernel) launches mpirun; from elsewhere run `mpirun -np {processes} ./kohaku …`");
        const string setsid = "/usr/bin/setsid";
        // stdin is redirected and closed: mpirun forwards its stdin to rank 0, and in the notebook
        // kernel that is the kernel's own protocol stream.
        var start = new ProcessStartInfo(File.Exists(setsid) ? setsid : "mpirun") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (File.Exists(setsid)) start.ArgumentList.Add("mpirun");
        if (Environment.UserName == "root") start.ArgumentList.Add("--allow-run-as-root");
        if (processes > Environment.ProcessorCount) start.ArgumentList.Add("--oversubscribe");
        foreach (var a in mpiOptions.Concat(["-np", processes.ToString(System.Globalization.CultureInfo.InvariantCulture), Environment.ProcessPath ?? "dotnet", app]).Concat(kohakuArguments))
            start.ArgumentList.Add(a);
        try
        {
            var process = Process.Start(start) ?? throw new IOException("mpirun did not start");
            process.StandardInput.Close();
            return process;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"cannot start mpirun ({e.Message}); install Open MPI (./kohaku sets it up on Debian)", e);
        }
    }

    // Reads metrics.jsonl as rank 0 appends it: only what is new since the last read.
    private sealed class MetricsFollower(string path)
    {
        public string Path => path;
        private long _offset;
        private long _reported = -1;
        private string _partial = "";

        public TrainStep? Last { get; private set; }

        // The steps appended since the last call; `step` is the one rank 0 just printed, and on a
        // resumed run the first one printed is the first new one.
        public IEnumerable<TrainStep> Through(long step)
        {
            if (_reported < 0) _reported = step - 1;
            var found = new List<TrainStep>();
            if (!File.Exists(path)) return found;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length < _offset) (_offset, _partial) = (0, "");
            stream.Seek(_offset, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var text = _partial + reader.ReadToEnd();
            _offset = stream.Length;
            var end = text.LastIndexOf('\n');
            _partial = text[(end + 1)..];
            foreach (var line in text[..Math.Max(end, 0)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (Parse(line) is not { } s || s.Step <= _reported) continue;
                found.Add(s);
                _reported = s.Step;
                Last = s;
            }
            return found;
        }

        private static TrainStep? Parse(string line)
        {
            try { return JsonSerializer.Deserialize<TrainStep>(line, MetricsLog.Json); }
            catch (JsonException) { return null; }
        }
    }

    // Open MPI gives local ranks a pseudo-terminal for their output, and .NET writes terminal control
    // sequences into it, so they may precede a line.
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:\x1b[\[?0-9;]*[A-Za-z=>])*step (\d+)/")]
    private static partial System.Text.RegularExpressions.Regex StepLine();

    [DllImport("libc.so.6")] private static extern int kill(int pid, int signal);
}
