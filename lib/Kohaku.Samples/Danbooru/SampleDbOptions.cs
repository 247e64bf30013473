using Kohaku.Data.Danbooru;

namespace Kohaku.Samples;

// What `kohaku sample db` generates. Ids are spread over 1..MaxId like the real file's id space
// (so the delta plan's 3 M / 5 M boundaries cut it in realistic shares); contiguous when Posts ≥ MaxId.
public sealed record SampleDbOptions(int Posts, long Seed = 1, long MaxId = 7_900_000, SchemaVersion Schema = SchemaVersion.V31, bool IndexRelation = true)
{
    public void Validate()
    {
        var errors = new List<string>();
        if (Posts < 1) errors.Add($"posts: {Posts} (at least 1)");
        if (MaxId < Posts) errors.Add($"maxId: {MaxId} (at least posts = {Posts})");
        if (errors.Count > 0) throw new ArgumentException("sample db: " + string.Join("; ", errors));
    }
}
