namespace Kohaku.Bench;

// One line of a `kohaku bench` table: the figure, the value measured, the goal it is held to,
// and the reference measured in the same run (vips, cp, the machine's matmul rate...).
public sealed record BenchRow(string Stage, string Figure, string Value, string Goal = "", string Reference = "");
