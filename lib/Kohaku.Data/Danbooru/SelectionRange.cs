using System.Text.Json.Serialization;

namespace Kohaku.Data.Danbooru;

// One part of a selection plan: the posts with Start ≤ id < End (End null = no bound), taken
// all in ascending id order (Draws null) or as Draws picks: with replacement like CPython's
// random.choices, or without like random.sample.
public sealed record SelectionRange
{
    public long Start { get; init; }
    public long? End { get; init; }
    public int? Draws { get; init; }
    public bool Replacement { get; init; } = true;

    [JsonIgnore]
    public bool TakesAll => Draws is null;

    public static SelectionRange All(long start, long? end = null) => new() { Start = start, End = end };

    public static SelectionRange Choose(long start, long? end, int draws, bool replacement = true) =>
        new() { Start = start, End = end, Draws = draws, Replacement = replacement };

    public override string ToString()
    {
        var span = $"[{Start:N0}, {(End is null ? "∞" : End.Value.ToString("N0"))})";
        return TakesAll ? $"{span} all" : $"{span} {Draws:N0} draws {(Replacement ? "with" : "without")} replacement";
    }
}
