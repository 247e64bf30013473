using Kohaku.Data.Config;
using Kohaku.Data.Export;
using Kohaku.Data.Images;
using Kohaku.Diffusion.Tokenizer;

namespace Kohaku.Training.Lokr;

// The files a LoKr training run reads and writes. Defaults follow the fixed stage-output names
// under workDir: base.safetensors, buckets.json, captions.jsonl in; latents/, train/ and
// lokr.safetensors (and lokr-ema.safetensors) out. ImageFolders are the bucket stage's (already resolved) image folders.
public sealed record TrainPaths(string BaseCheckpoint, string TokenizerDir, string BucketsJson, string CaptionsJsonl, IReadOnlyList<string> ImageFolders, string WorkDir)
{
    public const string LokrFileName = "lokr.safetensors";
    public const string LokrEmaFileName = "lokr-ema.safetensors";

    public string TrainDir => Path.Combine(WorkDir, "train");
    public string LatentDir => Path.Combine(WorkDir, "latents");
    public string LokrOutput => Path.Combine(WorkDir, LokrFileName);
    // The same adapters with the EMA weights (train.ema), beside the raw file as SimpleTuner keeps it.
    public string LokrEmaOutput => Path.Combine(WorkDir, LokrEmaFileName);

    public static TrainPaths ForWorkDir(string workDir, string tokenizerDir, IReadOnlyList<string> imageFolders) => new(
        Path.Combine(workDir, "base.safetensors"),
        tokenizerDir,
        Path.Combine(workDir, BucketsFile.FileName),
        Path.Combine(workDir, CaptionsFile.FileName),
        imageFolders,
        workDir);

    // The run file's image folders (section "buckets") and tokenizer (section "train"), resolved
    // against the run file; everything else at its fixed name under workDir.
    public static TrainPaths FromRunFile(string runFile, string workDir)
    {
        var buckets = RunFile.LoadSection<BucketConfig>(runFile, "buckets");
        var train = RunFile.LoadSection<Config.TrainConfig>(runFile, "train");
        return ForWorkDir(Path.GetFullPath(workDir), RunFile.Resolve(runFile, train.Tokenizer), buckets.Images.Select(p => RunFile.Resolve(runFile, p)).ToList());
    }

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        // Each input names the stage that writes it, so running notebook 05 alone says what to run first.
        foreach (var (what, path, stage) in new[]
        {
            ("base checkpoint", BaseCheckpoint, "notebook 04-base-model (kohaku merge)"),
            ("buckets", BucketsJson, "notebook 03-buckets (kohaku buckets assign)"),
            ("captions", CaptionsJsonl, "notebook 02-tags-and-quality (kohaku caption)"),
        })
            if (!File.Exists(path)) problems.Add($"{what} not found: {path} (written by {stage})");
        if (problems.Count > 0)
            problems.Add($"run the stages before it into the same work folder: `kohaku run notebooks/0[1-4]-*.ipynb --out {Path.GetDirectoryName(WorkDir)}`, or the whole job with `kohaku run`");
        foreach (var file in ClipTokenizer.FolderFiles)
            if (!File.Exists(Path.Combine(TokenizerDir, file))) problems.Add($"tokenizer file not found: {Path.Combine(TokenizerDir, file)}");
        return problems;
    }
}
