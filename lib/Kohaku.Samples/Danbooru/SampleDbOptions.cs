using Kohaku.Data.Danbooru;

namespace Kohaku.Samples;

// What `kohaku sample db` generates. Ids are spread over 1..MaxId like the real file's id space
// (so the delta plan's 3 M / 5 M boundaries cut it in realistic shares); contiguous when Posts ≥ MaxId / 2.
// LongTailTags, Artists and ExtraTailTags (long-tail tags a post draws beyond its 3-8) size the tag
// table and the tags per post; their defaults are the bundled sample's.
public sealed record SampleDbOptions(int Posts, long Seed = 1, long MaxId = 7_900_000, SchemaVersion Schema = SchemaVersion.V31, bool IndexRelation = true,
    int LongTailTags = SampleVocabulary.LongTailGeneral, int Artists = SampleVocabulary.Artists, int ExtraTailTags = 0)
{
    // danbooru2023 (hakubooru.md §6): 7,073,868 posts, ids nearly contiguous, ~0.25 B post-tag pairs
    // (≈35 a post: the sample's ≈29 plus 6 long-tail ones). The tag table's row count is not in the specs;
    // its ids reach at least 306,675 (umamusume, HF-DB README), so ~1 M rows is an assumed order of magnitude.
    public const int Danbooru2023Posts = 7_073_868;

    public static SampleDbOptions Danbooru2023(int posts = Danbooru2023Posts, long seed = 1) =>
        new(posts, seed, LongTailTags: 600_000, Artists: 400_000, ExtraTailTags: 6);

    public void Validate()
    {
        var errors = new List<string>();
        if (Posts < 1) errors.Add($"posts: {Posts} (at least 1)");
        if (MaxId < Posts) errors.Add($"maxId: {MaxId} (at least posts = {Posts})");
        if (LongTailTags < 1) errors.Add($"longTailTags: {LongTailTags} (at least 1)");
        if (Artists < 1) errors.Add($"artists: {Artists} (at least 1)");
        if (ExtraTailTags < 0) errors.Add($"extraTailTags: {ExtraTailTags} (at least 0)");
        if (errors.Count > 0) throw new ArgumentException("sample db: " + string.Join("; ", errors));
    }
}
