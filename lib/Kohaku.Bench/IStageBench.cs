namespace Kohaku.Bench;

// A stage's benchmark, found by `kohaku bench` by reflection over the Kohaku.* assemblies, so each
// stage owns its own figures. `Quick` shrinks sizes for CI smoke runs; figures are only reported
// from full runs. Progress lines go to `log`; the rows are the result.
public interface IStageBench
{
    string Stage { get; }
    IReadOnlyList<BenchRow> Run(BenchOptions options, TextWriter log, CancellationToken cancel);
}

public sealed record BenchOptions(string WorkDir, bool Quick = false);
