namespace Kohaku.Notebooks.Running;

// What one headless notebook run produced. FailedCell is 1-based over all cells; null on success.
public sealed record NotebookRunResult(
    string Notebook,
    string ExecutedPath,
    string ReportPath,
    TimeSpan Duration,
    int? FailedCell,
    string? Error,
    IReadOnlyList<(string Name, string Value)> Headlines)
{
    public bool Succeeded => FailedCell is null && Error is null;
}
