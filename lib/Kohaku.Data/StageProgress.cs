namespace Kohaku.Data;

// What a long library loop reports through IProgress<StageProgress>: the notebook kernel turns it
// into one in-place display in VS Code and throttled lines headless; the CLI prints it.
public readonly record struct StageProgress(string Stage, long Done, long Total, string? Detail = null)
{
    public double Fraction => Total > 0 ? (double)Done / Total : 0;
}
