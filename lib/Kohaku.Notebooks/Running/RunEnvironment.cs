using System.Diagnostics;
using Kohaku.Diffusion;

namespace Kohaku.Notebooks.Running;

// What a run's figures depend on besides its parameters, for the top of index.html: when it was
// written, the commit of the checkout the notebooks came from (null outside a git checkout or
// without git) and the torch build and device.
public sealed record RunEnvironment(DateTimeOffset Date, string? Commit, string Torch)
{
    public static RunEnvironment Current(string? notebook) =>
        new(DateTimeOffset.Now, notebook is null ? null : CommitOf(Path.GetDirectoryName(Path.GetFullPath(notebook))!), TorchRuntime.Describe());

    // HEAD of the checkout holding folder, marked when tracked files differ from it.
    internal static string? CommitOf(string folder)
    {
        if (Git(folder, "rev-parse", "HEAD") is not { Length: > 0 } head) return null;
        return Git(folder, "status", "--porcelain", "--untracked-files=no") is { Length: > 0 } ? $"{head} (with uncommitted changes)" : head;
    }

    private static string? Git(string folder, params string[] args)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["-C", folder, .. args]) info.ArgumentList.Add(a);
        try
        {
            using var git = Process.Start(info)!;
            var output = git.StandardOutput.ReadToEndAsync();
            _ = git.StandardError.ReadToEndAsync();
            if (!git.WaitForExit(10_000)) { git.Kill(); return null; }
            return git.ExitCode == 0 ? output.Result.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
