namespace Kohaku.Notebooks.Tests;

// A fresh folder under the system temp folder, deleted with everything in it on dispose
// (a run folder with a chart holds plotly.js, 3.6 MB, so leftovers add up).
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kohaku-nb-tests", Guid.NewGuid().ToString("N"));

    public TempFolder() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
