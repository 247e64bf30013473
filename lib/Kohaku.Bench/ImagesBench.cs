using Kohaku.Data.Images;
using System.Diagnostics;
using Kohaku.Samples.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Bench;

// `kohaku bench images`: the trainer's per-image CPU path (read, decode webp, choose bucket,
// resize and cut, CHW floats) on ~4-megapixel lossy webp files like danbooru2023-webp's, two
// workers, against libvips' vipsthumbnail doing decode + cover-resize + centre crop to the same
// buckets in the same run (two processes, one vips thread each). Each side runs twice,
// alternating, and the better pass counts. On a shared machine wall time mostly measures the
// neighbours, so images per CPU-second (this process's CPU time; vips' children's, from bash
// `times`) is reported too, and its ratio is the fair one.
public sealed class ImagesBench : IStageBench
{
    private const int Workers = 2;
    private static readonly (int W, int H)[] Shapes = [(2048, 2048), (1672, 2508), (2508, 1672), (1536, 2730), (2730, 1536)];

    public string Stage => "images";

    public IReadOnlyList<BenchRow> Run(BenchOptions options, TextWriter log, CancellationToken cancel)
    {
        int count = options.Quick ? 6 : 40;
        double scale = options.Quick ? 0.5 : 1.0;
        var folder = Path.Combine(options.WorkDir, options.Quick ? "images-quick" : "images-4mp");
        var files = EnsureFiles(folder, count, scale, log, cancel);
        var selector = new BucketSelector(new BucketConfig());
        var jobs = files.Select(f => (Path: f, Choice: ChooseFor(f, selector))).ToList();
        double megapixels = jobs.Average(j => Image.Identify(j.Path) is { } info ? info.Width * (double)info.Height / 1e6 : 0);

        bool haveVips = VipsAvailable();
        Throughput ours = default, vips = default;
        for (int pass = 0; pass < 2; pass++)
        {
            ours = ours.Best(Measure(jobs.Count, () => { RunOurs(jobs, cancel); return TimeSpan.Zero; }, ownCpu: true));
            if (haveVips) vips = vips.Best(Measure(jobs.Count, () => RunVips(jobs, folder, cancel), ownCpu: false));
            log.WriteLine($"bench images: pass {pass + 1}: ours {ours}, vips {(haveVips ? vips.ToString() : "absent")}");
        }
        var figure = $"decode+bucket+resize+crop+normalise, {jobs.Count} lossy webp of {megapixels:F1} MP, {Workers} workers";
        if (!haveVips)
        {
            const string absent = "vipsthumbnail not found (Debian: apt-get install -y libvips-tools); no ratio";
            return [new BenchRow(Stage, figure + ", wall", $"{ours.PerWallSecond:F2} img/s", "≥ 0.7× vipsthumbnail", absent)];
        }
        return
        [
            new BenchRow(Stage, figure + ", wall", $"{ours.PerWallSecond:F2} img/s", "≥ 0.7× vipsthumbnail", $"vipsthumbnail {vips.PerWallSecond:F2} img/s; ratio {ours.PerWallSecond / vips.PerWallSecond:F2}×"),
            new BenchRow(Stage, figure + ", per CPU-second", $"{ours.PerCpuSecond:F2} img/cpu-s", "≥ 0.7× vipsthumbnail", $"vipsthumbnail {vips.PerCpuSecond:F2} img/cpu-s; ratio {ours.PerCpuSecond / vips.PerCpuSecond:F2}×"),
        ];
    }

    private readonly record struct Throughput(double PerWallSecond, double PerCpuSecond)
    {
        public Throughput Best(Throughput other) => new(Math.Max(PerWallSecond, other.PerWallSecond), Math.Max(PerCpuSecond, other.PerCpuSecond));
        public override string ToString() => $"{PerWallSecond:F2} img/s, {PerCpuSecond:F2} img/cpu-s";
    }

    // `run` returns the CPU time of child processes it waited for; with ownCpu this process's is used.
    private static Throughput Measure(int images, Func<TimeSpan> run, bool ownCpu)
    {
        var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var childCpu = run();
        double wall = watch.Elapsed.TotalSeconds;
        self.Refresh();
        double cpu = ownCpu ? (self.TotalProcessorTime - cpuBefore).TotalSeconds : childCpu.TotalSeconds;
        return new Throughput(images / wall, cpu > 0 ? images / cpu : double.NaN);
    }

    private static BucketChoice ChooseFor(string path, BucketSelector selector)
    {
        var info = Image.Identify(path) ?? throw new InvalidDataException($"{path}: not an image");
        return selector.Select(info.Width, info.Height);
    }

    private static void RunOurs(List<(string Path, BucketChoice Choice)> jobs, CancellationToken cancel)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = cancel };
        Parallel.For(0, jobs.Count, options, i =>
        {
            var id = long.Parse(Path.GetFileNameWithoutExtension(jobs[i].Path), System.Globalization.CultureInfo.InvariantCulture);
            using var image = ImageDecoder.Decode(new ImageBytes(id, "webp", File.ReadAllBytes(jobs[i].Path), jobs[i].Path));
            var choice = jobs[i].Choice;
            var (left, top) = BucketCrop.CutOffsets(choice, null);
            BucketCrop.ResizeAndCut(image, choice, left, top);
            GC.KeepAlive(BucketCrop.ToChw(image));
        });
    }

    // vipsthumbnail -s WxH --smartcrop centre: shrink-on-load, cover-resize, centre crop; one call per
    // bucket size (it takes many files), the calls shared between two workers. Each call runs under
    // bash so its `times` builtin can report the children's user and system CPU time.
    private static TimeSpan RunVips(List<(string Path, BucketChoice Choice)> jobs, string folder, CancellationToken cancel)
    {
        var output = Path.Combine(folder, "vips-out");
        Directory.CreateDirectory(output);
        var groups = jobs.GroupBy(j => j.Choice.Bucket).Select(g => (g.Key, Files: g.Select(j => j.Path).ToList()))
            .SelectMany(g => g.Files.Chunk((g.Files.Count + 1) / 2).Select(c => (g.Key, Files: c)))
            .ToList();
        long cpuTicks = 0;
        Parallel.ForEach(groups, new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = cancel }, g =>
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "-c", "vipsthumbnail \"$@\" && times", "bash" }) start.ArgumentList.Add(a);
            foreach (var f in g.Files) start.ArgumentList.Add(f);
            foreach (var a in new[] { "-s", $"{g.Key.Width}x{g.Key.Height}", "--smartcrop", "centre", "-o", Path.Combine(output, "%s.v") }) start.ArgumentList.Add(a);
            start.Environment["VIPS_CONCURRENCY"] = "1";
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var times = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"vipsthumbnail failed ({process.ExitCode}): {error.Result}");
            Interlocked.Add(ref cpuTicks, ChildCpu(times).Ticks);
        });
        return TimeSpan.FromTicks(cpuTicks);
    }

    // bash `times`: line 1 the shell's own user/system time, line 2 its children's, as "0m1.234s 0m0.056s".
    internal static TimeSpan ChildCpu(string times)
    {
        var lines = times.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2) return TimeSpan.Zero;
        return lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ParseBashTime).Aggregate(TimeSpan.Zero, (a, b) => a + b);
    }

    private static TimeSpan ParseBashTime(string value)
    {
        int m = value.IndexOf('m');
        double minutes = double.Parse(value[..m], System.Globalization.CultureInfo.InvariantCulture);
        double seconds = double.Parse(value[(m + 1)..].TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(minutes * 60 + seconds);
    }

    private static bool VipsAvailable()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("vipsthumbnail", "--version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    // Sample-style pictures with a light per-pixel grain, so the encoder and decoders see texture
    // as in real artwork rather than flat fills. Kept between runs; the file name is the post id.
    private static List<string> EnsureFiles(string folder, int count, double scale, TextWriter log, CancellationToken cancel)
    {
        Directory.CreateDirectory(folder);
        // The fastest method still encodes lossy VP8 at quality 90; the default one takes ~15 s per 4 MP file here.
        var encoder = new WebpEncoder { FileFormat = WebpFileFormatType.Lossy, Quality = 90, Method = WebpEncodingMethod.Fastest };
        var files = Enumerable.Range(0, count).Select(i => Path.Combine(folder, $"{100000 + i}.webp")).ToList();
        int written = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = cancel }, i =>
        {
            if (File.Exists(files[i])) return;
            var (w, h) = Shapes[i % Shapes.Length];
            var post = new SamplePost(100000 + i, w, h, [SampleImages.Backgrounds.Keys.ElementAt(i % 7), "circle", "star_(symbol)", "stripes", SampleImages.Themes.Keys.ElementAt(i % 4)]);
            using var image = SampleImages.DrawAt(post, (int)(w * scale), (int)(h * scale));
            AddGrain(image, i);
            Kohaku.Data.IO.AtomicFile.Write(files[i], s => image.Save(s, encoder));
            if (Interlocked.Increment(ref written) % 10 == 0) log.WriteLine($"bench images: wrote {written} test files");
        });
        return files;
    }

    private static void AddGrain(Image<Rgb24> image, int seed) => image.ProcessPixelRows(rows =>
    {
        uint state = (uint)seed * 2654435761u + 1;
        for (int y = 0; y < rows.Height; y++)
        {
            var row = rows.GetRowSpan(y);
            for (int x = 0; x < row.Length; x++)
            {
                state ^= state << 13; state ^= state >> 17; state ^= state << 5;
                int n = (int)(state % 13) - 6 + (x + y) / 64 % 8;
                ref var p = ref row[x];
                p = new Rgb24((byte)Math.Clamp(p.R + n, 0, 255), (byte)Math.Clamp(p.G + n, 0, 255), (byte)Math.Clamp(p.B + n, 0, 255));
            }
        }
    });
}
