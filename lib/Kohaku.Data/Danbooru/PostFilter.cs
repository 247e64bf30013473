namespace Kohaku.Data.Danbooru;

// Which posts a plan's populations keep. The Δ plan keeps everything (HakuBooru filtered nothing
// in SQL; missing images dropped posts later); the card-faithful plan removes deleted, gold-only
// and non-image posts before drawing.
public sealed record PostFilter
{
    // Extensions a trainer can decode; anything else (gif, mp4, webm, zip ugoira, swf...) is not an image.
    public static readonly IReadOnlySet<string> ImageExtensions =
        new HashSet<string>(["jpg", "jpeg", "png", "webp", "bmp", "avif"], StringComparer.OrdinalIgnoreCase);

    public bool ExcludeDeleted { get; init; }
    public bool ExcludeBanned { get; init; }
    public bool ExcludeGoldOnly { get; init; }
    public bool ExcludeNonImage { get; init; }
    public List<Rating>? Ratings { get; init; }
    public int? MinScore { get; init; }
    public int? MaxScore { get; init; }
    public int? MinFavCount { get; init; }
    public int? MaxFavCount { get; init; }
    public List<string> RequiredTags { get; init; } = [];
    public List<string> ExcludedTags { get; init; } = [];

    public static PostFilter None => new();

    public static PostFilter Card => new() { ExcludeDeleted = true, ExcludeGoldOnly = true, ExcludeNonImage = true };

    public bool IsEmpty => !ExcludeDeleted && !ExcludeBanned && !ExcludeGoldOnly && !ExcludeNonImage && Ratings is null
        && MinScore is null && MaxScore is null && MinFavCount is null && MaxFavCount is null && RequiredTags.Count == 0 && ExcludedTags.Count == 0;

    public bool NeedsTags => RequiredTags.Count > 0 || ExcludedTags.Count > 0;

    // The first rule that drops the post (reported per rule), or null when it is kept. Tag rules
    // are checked by the caller against precomputed id sets.
    public string? Rejects(Post post)
    {
        if (ExcludeDeleted && post.IsDeleted) return "deleted";
        if (ExcludeBanned && post.IsBanned) return "banned";
        if (ExcludeGoldOnly && post.IsGoldOnly) return "gold-only";
        if (ExcludeNonImage && !ImageExtensions.Contains(post.FileExt)) return "non-image";
        if (Ratings is not null && !Ratings.Contains(post.Rating)) return "rating";
        if (post.Score < (MinScore ?? int.MinValue) || post.Score > (MaxScore ?? int.MaxValue)) return "score";
        if (post.FavCount < (MinFavCount ?? int.MinValue) || post.FavCount > (MaxFavCount ?? int.MaxValue)) return "fav_count";
        return null;
    }

    public IEnumerable<string> Problems()
    {
        if (MinScore > MaxScore) yield return $"filter.minScore {MinScore} > filter.maxScore {MaxScore}";
        if (MinFavCount > MaxFavCount) yield return $"filter.minFavCount {MinFavCount} > filter.maxFavCount {MaxFavCount}";
        if (Ratings is { Count: 0 }) yield return "filter.ratings is empty (no post could pass; leave it out to keep every rating)";
        foreach (var t in RequiredTags.Intersect(ExcludedTags, StringComparer.Ordinal)) yield return $"filter: tag \"{t}\" is both required and excluded";
        foreach (var t in RequiredTags.Concat(ExcludedTags).Where(string.IsNullOrWhiteSpace)) yield return "filter: empty tag name";
    }
}
