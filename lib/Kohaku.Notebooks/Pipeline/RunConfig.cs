using Kohaku.Data.Captions;
using Kohaku.Data.Config;
using Kohaku.Data.Danbooru;
using Kohaku.Data.Images;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Merge;
using Kohaku.Diffusion.Tokenizer;
using Kohaku.Training.Config;

namespace Kohaku.Notebooks.Pipeline;

// The whole run file, loaded and checked before the first stage starts, so a wrong path or
// value stops the main job with every problem named instead of failing in notebook 05 an hour in.
// Stages still read only their own section (RunFile.LoadSection); this record only composes them.
public sealed record RunConfig(
    string RunFile,
    SelectionConfig Select,
    CaptionConfig Caption,
    BucketConfig Buckets,
    BaseConfig Base,
    LokrConfig Lokr,
    TrainConfig Train)
{
    public static RunConfig Load(string runFile)
    {
        runFile = Path.GetFullPath(runFile);
        return new RunConfig(
            runFile,
            SelectionConfig.Load(runFile),
            CaptionConfig.Load(runFile),
            Kohaku.Data.Config.RunFile.LoadSection<BucketConfig>(runFile, "buckets"),
            Kohaku.Data.Config.RunFile.LoadSection<BaseConfig>(runFile, "base"),
            LokrConfig.Load(runFile),
            Kohaku.Data.Config.RunFile.LoadSection<TrainConfig>(runFile, "train"));
    }

    // Every bad field of every section, each prefixed with its section, plus the files the stages
    // will open: the database, the image folders, the base checkpoints and the tokenizer.
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Add(string section, IEnumerable<string> items) =>
            problems.AddRange(items.Select(p => p.StartsWith(section + ".", StringComparison.Ordinal) ? p : $"{section}.{p}"));

        Add("select", Select.Problems());
        Add("caption", Caption.Problems());
        Add("buckets", Buckets.Problems());
        Add("buckets", Buckets.Images
            .Select(p => Kohaku.Data.Config.RunFile.Resolve(RunFile, p))
            .Where(p => !Directory.Exists(p))
            .Select(p => $"images: folder not found: {p}"));
        Add("base", Base.Problems());
        Add("base", Base.FileProblems(RunFile));
        Add("lokr", Lokr.Problems());
        Add("train", Train.Problems());
        Add("train", Train.DeviceProblems(Kohaku.Diffusion.TorchRuntime.DefaultDevice));
        var tokenizer = Kohaku.Data.Config.RunFile.Resolve(RunFile, Train.Tokenizer);
        var fileProblems = ClipTokenizer.FolderFiles.Select(f => Path.Combine(tokenizer, f))
            .Select(f => !File.Exists(f) ? $"tokenizer: file not found: {f}" : new FileInfo(f).Length == 0 ? $"tokenizer: empty file: {f}" : null)
            .OfType<string>().ToList();
        Add("train", fileProblems.Count > 0 ? fileProblems : TokenizerProblem(tokenizer));
        return problems;
    }

    // The tokenizer is loaded once here: empty or damaged vocab/merges files fail now, not at notebook 05.
    private static IEnumerable<string> TokenizerProblem(string folder)
    {
        try
        {
            ClipTokenizer.FromFolder(folder);
            return [];
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or System.Text.Json.JsonException or ArgumentException or KeyNotFoundException)
        {
            return [$"tokenizer: {folder}: {e.Message}"];
        }
    }

    public RunConfig Validate()
    {
        var problems = Problems();
        return problems.Count == 0 ? this : throw new ArgumentException($"{RunFile}:\n  " + string.Join("\n  ", problems));
    }
}
