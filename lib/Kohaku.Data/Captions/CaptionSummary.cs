namespace Kohaku.Data.Captions;

// Counts of one caption run: ids asked for (with duplicates), unique ids, captions written,
// captions skipped because a complete file was already there, and ids not in the database.
public sealed record CaptionSummary(long Requested, long Unique, long Written, long Skipped, long Missing)
{
    public override string ToString() =>
        $"{Requested:N0} ids ({Unique:N0} unique): {Written:N0} written, {Skipped:N0} already complete, {Missing:N0} not in the database";
}
