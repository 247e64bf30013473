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
    public static readonly string[] Sections = ["select", "caption", "buckets", "base", "lokr", "train"];

    public static RunConfig Load(string runFile)
    {
        runFile = Path.GetFullPath(runFile);
        using (var doc = Kohaku.Data.Config.RunFile.ReadDocument(runFile))
        {
            var unknown = doc.RootElement.EnumerateObject().Select(p => p.Name)
                .Where(n => !n.StartsWith('$') && !n.StartsWith("//", StringComparison.Ordinal) && !Sections.Contains(n)).ToList();
            if (unknown.Count > 0)
                throw new InvalidDataException($"{runFile}: unknown section(s) {string.Join(", ", unknown.Select(u => $"\"{u}\""))}; known: {string.Join(", ", Sections)}");
        }
        return new RunConfig(
            runFile,
            SelectionConfig.Load(runFile),
            CaptionConfig.Load(runFile),
            Kohaku.Data.Config.RunFile.LoadSection<BucketConfig>(runFile, "buckets"),
            Kohaku.Data.Config.RunFile.LoadSection<BaseConfig>(runFile, "base"),
            Kohaku.Data.Config.RunFile.LoadSection<LokrConfig>(runFile, "lokr"),
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
        var tokenizer = Kohaku.Data.Config.RunFile.Resolve(RunFile, Train.Tokenizer);
        Add("train", ClipTokenizer.FolderFiles
            .Select(f => Path.Combine(tokenizer, f))
            .Where(f => !File.Exists(f))
            .Select(f => $"tokenizer: file not found: {f}"));
        return problems;
    }

    public RunConfig Validate()
    {
        var problems = Problems();
        return problems.Count == 0 ? this : throw new ArgumentException($"{RunFile}:\n  " + string.Join("\n  ", problems));
    }
}
