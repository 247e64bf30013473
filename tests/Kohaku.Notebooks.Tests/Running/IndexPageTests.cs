using System.Diagnostics;
using Kohaku.Notebooks.Running;

namespace Kohaku.Notebooks.Tests.Running;

public sealed class IndexPageTests
{
    private static readonly RunEnvironment Facts = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(1)), "0123456789abcdef0123456789abcdef01234567", "torch 2.10.0 (TorchSharp 0.107.0.0), device cpu (2 threads)");

    [Fact]
    public void Render_StageHeadlines_ShowsRunFactsReconciledCountsAndFileLinks()
    {
        using var temp = new TempFolder();
        var work = Directory.CreateDirectory(Path.Combine(temp.Path, "work", "figures")).Parent!.FullName;
        File.WriteAllBytes(Path.Combine(work, "ids.txt"), new byte[2048]);
        File.WriteAllText(Path.Combine(work, "figures", "loss-curve.html"), "x");
        var baked = Path.Combine(work, "baked.safetensors");
        File.WriteAllText(baked, "b");
        var results = new[]
        {
            Result(temp.Path, "01-select-posts", 90, ("posts drawn", "20000"), ("unique posts selected", "18500")),
            Result(temp.Path, "02-tags-and-quality", 30.5, ("captions", "18500")),
            Result(temp.Path, "03-buckets", 3600, ("images bucketed", "19990"), ("images skipped", "10")),
            Result(temp.Path, "06-bake-and-export", 1, ("baked checkpoint", baked)),
        };

        var html = IndexPage.Render(results, new Dictionary<string, string> { ["workDir"] = work }, temp.Path, Facts);

        Assert.Contains("<tr><th>date</th><td>2026-03-04 05:06:07 +01:00</td></tr>", html);
        Assert.Contains("<tr><th>commit</th><td>0123456789abcdef0123456789abcdef01234567</td></tr>", html);
        Assert.Contains("<tr><th>torch</th><td>torch 2.10.0 (TorchSharp 0.107.0.0), device cpu (2 threads)</td></tr>", html);
        Assert.Contains("<tr><th>total time</th><td>1:02:01</td></tr>", html);
        Assert.Contains("<td>02-tags-and-quality</td><td>ok</td><td>30.5 s</td><td><a href=\"02-tags-and-quality.html\">report</a>", html);
        Assert.Contains("<tr><td>unique posts selected</td><td style=\"text-align:right\">18,500</td><td>1,500 drawn more than once</td></tr>", html);
        Assert.Contains("<td>captions</td><td style=\"text-align:right\">18,500</td><td><span class=\"ok\">✓ one per unique post</span></td>", html);
        Assert.Contains("<td>images skipped</td><td style=\"text-align:right\">10</td><td><span class=\"ok\">✓ bucketed + skipped = 20,000 = posts drawn</span></td>", html);
        Assert.Contains("<td>posts drawn</td><td>20,000</td>", html);
        Assert.Contains("<td>baked checkpoint</td><td><a href=\"work/baked.safetensors\">work/baked.safetensors</a></td>", html);
        Assert.Contains("<tr><td><a href=\"work/figures/loss-curve.html\">work/figures/loss-curve.html</a></td><td style=\"text-align:right\">1 B</td></tr>", html);
        Assert.Contains("<tr><td><a href=\"work/ids.txt\">work/ids.txt</a></td><td style=\"text-align:right\">2.0 KiB</td></tr>", html);
    }

    [Fact]
    public void Counts_BucketedAndSkippedMatchNeitherCount_FlagsIt()
    {
        var html = IndexPage.Counts([("posts drawn", "300"), ("unique posts selected", "280"), ("captions", "279"), ("images bucketed", "250"), ("images skipped", "20")]);
        Assert.Contains("<span class=\"failed\">✗ ≠ 280 unique posts</span>", html);
        Assert.Contains("<span class=\"failed\">✗ bucketed + skipped = 270, neither posts drawn nor unique posts selected</span>", html);
        Assert.Equal("", IndexPage.Counts([("steps", "10")]));
    }

    [Fact]
    public void CommitOf_GitCheckout_HeadMarkedWhenTrackedFilesChange()
    {
        using var temp = new TempFolder();
        Git(temp.Path, "init", "-q");
        File.WriteAllText(Path.Combine(temp.Path, "a.txt"), "1");
        Git(temp.Path, "add", "a.txt");
        Git(temp.Path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one");
        var head = Git(temp.Path, "rev-parse", "HEAD");

        Assert.Equal(head, RunEnvironment.CommitOf(temp.Path));
        File.WriteAllText(Path.Combine(temp.Path, "a.txt"), "2");
        Assert.Equal($"{head} (with uncommitted changes)", RunEnvironment.CommitOf(temp.Path));
        Assert.Null(RunEnvironment.CommitOf(Path.GetTempPath()));
    }

    private static NotebookRunResult Result(string outDir, string name, double seconds, params (string, string)[] headlines) =>
        new($"/nb/{name}.ipynb", Path.Combine(outDir, name + ".ipynb"), Path.Combine(outDir, name + ".html"), TimeSpan.FromSeconds(seconds), null, null, headlines);

    private static string Git(string folder, params string[] args)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var git = Process.Start(info)!;
        var output = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        Assert.Equal(0, git.ExitCode);
        return output;
    }
}
