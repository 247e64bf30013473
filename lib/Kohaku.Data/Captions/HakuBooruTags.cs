namespace Kohaku.Data.Captions;

// HakuBooru's caption constants (metainfo.py; hakubooru.md §3.2), verbatim.
public static class HakuBooruTags
{
    public static readonly IReadOnlySet<string> Special = new HashSet<string>(
    [
        "1girl", "2girls", "3girls", "4girls", "5girls", "6+girls", "multiple_girls",
        "1boy", "2boys", "3boys", "4boys", "5boys", "6+boys", "multiple_boys", "male_focus",
        "1other", "2others", "3others", "4others", "5others", "6+others", "multiple_others",
    ], StringComparer.Ordinal);

    // Case-sensitive substrings: a meta tag containing any of them is dropped.
    public static readonly string[] MetaBlacklist = ["(medium)", "commentary", "bad", "translat", "request", "mismatch", "revision", "audio", "video"];

    // Artist names containing this are dropped (HakuBooru 5bd8678, after the Δ export).
    public const string BannedArtistKeyword = "banned";

    public static readonly string[] QualityTiers =
        ["masterpiece", "best quality", "great quality", "good quality", "normal quality", "low quality", "worst quality"];

    public const string KeepSeparator = "|||";
    public const string TagSeparator = ", ";

    public static bool IsBlacklistedMeta(string name)
    {
        foreach (var keyword in MetaBlacklist)
            if (name.Contains(keyword, StringComparison.Ordinal)) return true;
        return false;
    }
}
