namespace Kohaku.Bench;

// A stage's benchmark, found by `kohaku bench` by reflection over the Kohaku.* assemblies, so each
// stage owns its own figures. `Quick` shrinks sizes for CI smoke runs; figures are only reported
// from full runs. Progress lines go to `log`; the rows are the result.
public interface IStageBench
{
    string Stage { get; }
    IReadOnlyList<BenchRow> Run(BenchOptions options, TextWriter log, CancellationToken cancel);

    // Stages too long or too large for every `kohaku bench` (the danbooru2023-size database) run only when named.
    bool OnlyWhenNamed => false;
}

// Posts: the database size for the stages that generate one (their own default when null).
// Batch: the second micro-batch size the rehearsal measures (the Δ recipe's 4 when null).
public sealed record BenchOptions(string WorkDir, bool Quick = false, int? Posts = null, int? Batch = null);
