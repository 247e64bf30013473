namespace Kohaku.Data.Captions;

// kohya sd-scripts' per-fetch caption processing as Kohaku XL Δ trained with it (v0.8.4:
// --shuffle_caption --keep_tokens=0 --keep_tokens_separator="|||" --caption_tag_dropout_rate=0.1):
// text before the first separator is fixed and kept in order; the tags after it are shuffled,
// then each is dropped with probability p; the result is joined with ", ". A caption without the
// separator has no fixed part. The RNG is passed in, so a (seed, step, worker) triple replays a
// training step exactly on resume.
public sealed class CaptionAugmenter(double tagDropout = 0.1, bool shuffle = true, string keepSeparator = HakuBooruTags.KeepSeparator, double captionDropout = 0)
{
    // kohya's caption_dropout_rate: the whole caption becomes "" (drawn first, and only when on, so
    // runs without it draw exactly as before).
    public double CaptionDropout { get; } = captionDropout is >= 0 and <= 1 ? captionDropout : throw new ArgumentOutOfRangeException(nameof(captionDropout), captionDropout, "0 ≤ p ≤ 1");
    public double TagDropout { get; } = tagDropout is >= 0 and < 1 ? tagDropout : throw new ArgumentOutOfRangeException(nameof(tagDropout), tagDropout, "0 ≤ p < 1");
    public bool Shuffle { get; } = shuffle;
    public string KeepSeparator { get; } = keepSeparator;


    // One RNG per (seed, step, worker): independent streams, identical on replay.
    public static Random RngFor(long seed, long step, int worker = 0) =>
        new((int)(SeedMix.Of((ulong)seed, (ulong)step, (ulong)worker) & 0x7FFFFFFF));

    public string Augment(string caption, long seed, long step, int worker = 0) => Augment(caption, RngFor(seed, step, worker));

    public string Augment(string caption, Random rng)
    {
        if (CaptionDropout > 0 && rng.NextDouble() < CaptionDropout) return "";
        // kohya leaves the caption untouched (separator included) when neither option is on.
        if (!Shuffle && TagDropout == 0) return caption;
        List<string> fixedTags, flexible;
        var at = KeepSeparator.Length > 0 ? caption.IndexOf(KeepSeparator, StringComparison.Ordinal) : -1;
        if (at >= 0)
        {
            fixedTags = SplitTags(caption[..at], dropEmpty: true);
            flexible = SplitTags(caption[(at + KeepSeparator.Length)..], dropEmpty: true);
        }
        else
        {
            fixedTags = [];
            flexible = SplitTags(caption, dropEmpty: false);
        }

        if (Shuffle)
            for (var i = flexible.Count - 1; i > 0; i--)
            {
                var j = rng.Next(i + 1);
                (flexible[i], flexible[j]) = (flexible[j], flexible[i]);
            }
        if (TagDropout > 0) flexible.RemoveAll(_ => rng.NextDouble() < TagDropout);
        fixedTags.AddRange(flexible);
        return string.Join(", ", fixedTags);
    }

    private static List<string> SplitTags(string text, bool dropEmpty)
    {
        var tags = new List<string>();
        foreach (var part in text.Split(','))
        {
            var t = part.Trim();
            if (t.Length > 0 || !dropEmpty) tags.Add(t);
        }
        return tags;
    }
}
