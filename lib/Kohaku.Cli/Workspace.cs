namespace Kohaku.Cli;

// The checkout the verbs' defaults point into (notebooks/, data/, runs/). Paths a user types stay
// relative to the folder they typed them in: ./kohaku no longer changes into the checkout, it
// passes it as KOHAKU_HOME.
internal static class Workspace
{
    public static string Root { get; } = Find();

    public static string PathTo(string relative) => Path.Combine(Root, relative);

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("KOHAKU_HOME") is { Length: > 0 } home) return Path.GetFullPath(home);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "KohakuNotebooks.sln"))) return dir.FullName;
        return Environment.CurrentDirectory;
    }
}
