namespace Kohaku.Data.Captions;

// Counts of one caption run: ids asked for (with duplicates), unique ids, captions written,
// captions skipped because a complete file was already there, and ids not in the database.
// UnreadableDates: captioned posts whose created_at no date parser reads (HakuBooru tags them
// "early", which this keeps for byte-identical captions, but says so), with the first of them.
public sealed record CaptionSummary(long Requested, long Unique, long Written, long Skipped, long Missing, long UnreadableDates = 0, string? FirstUnreadableDate = null)
{
    public override string ToString() =>
        $"{Requested:N0} ids ({Unique:N0} unique): {Written:N0} written, {Skipped:N0} already complete, {Missing:N0} not in the database"
        + (UnreadableDates > 0 ? $"; {UnreadableDates:N0} with an unreadable created_at, tagged \"early\" as HakuBooru does (first: {FirstUnreadableDate})" : "");
}

// Counts posts with an unreadable created_at across the parallel readers.
internal sealed class DateCheck
{
    private long _count;
    private (long Id, string Text)? _first;

    public void See(Danbooru.Post post)
    {
        if (YearTag.Year(post.CreatedAt) != 0) return;
        Interlocked.Increment(ref _count);
        lock (this) if (_first is null || post.Id < _first.Value.Id) _first = (post.Id, post.CreatedAt);
    }

    public CaptionSummary AddTo(CaptionSummary summary) => _count == 0 ? summary
        : summary with { UnreadableDates = _count, FirstUnreadableDate = $"post {_first!.Value.Id} \"{_first.Value.Text}\"" };
}
