using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kohaku.Notebooks.Kernel;

// The kernelspec folder that lists the kernel in Jupyter (`jupyter kernelspec list`), written
// where jupyter_client searches: the user's data dir, or PREFIX/share/jupyter/kernels.
public static class KernelSpec
{
    // The name the notebooks' metadata gives their kernel (Polyglot's), so JupyterLab and VS Code open
    // them without asking, and the one kernel name papermill has a C# parameter translator for (papermill
    // looks up the kernel name, then language_info.name "csharp", which it does not know).
    public const string Name = ".net-csharp";

    // jupyter_core's user data dir: JUPYTER_DATA_DIR, else the platform's place.
    public static string UserKernelsDir()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var data = Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR") is { Length: > 0 } set ? set
            : OperatingSystem.IsWindows() ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "jupyter")
            : OperatingSystem.IsMacOS() ? Path.Combine(home, "Library", "Jupyter")
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(home, ".local", "share"), "jupyter");
        return Path.Combine(data, "kernels");
    }

    public static string PrefixKernelsDir(string prefix) => Path.Combine(Path.GetFullPath(prefix), "share", "jupyter", "kernels");

    // interrupt_mode "message": jupyter_client's default interrupt is SIGINT, which ends a .NET
    // process; as a message it reaches the control socket and cancels the cell. The oneDNN cap is
    // the one ./kohaku sets (README): it must be in the environment before libtorch loads.
    public static string Install(string kernelsDir, string dotnet, string kohakuDll, string kohakuHome, string name = Name, bool replace = false)
    {
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
            throw new ArgumentException($"--name: \"{name}\" is not a kernelspec name (letters, digits, '.', '_', '-')");
        var dir = Path.Combine(kernelsDir, name.ToLowerInvariant());
        var existing = Path.Combine(dir, "kernel.json");
        // .NET Interactive's own tool installs the same name; it is replaced only when asked.
        if (File.Exists(existing) && !replace && !File.ReadAllText(existing).Contains("kohaku", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{existing} belongs to another kernel; --replace replaces it, --name NAME installs beside it");
        Directory.CreateDirectory(dir);
        var spec = new JsonObject
        {
            ["argv"] = new JsonArray(dotnet, kohakuDll, "kernel", "jupyter", "--connection-file", "{connection_file}"),
            ["display_name"] = "C# (Kohaku)",
            ["language"] = "csharp",
            ["interrupt_mode"] = "message",
            ["env"] = new JsonObject
            {
                ["ONEDNN_MAX_CPU_ISA"] = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is { Length: > 0 } isa ? isa : "AVX",
                ["KOHAKU_HOME"] = kohakuHome,
            },
            ["metadata"] = new JsonObject(),
        };
        Kohaku.Data.IO.AtomicFile.WriteAllText(existing, spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return dir;
    }
}
