namespace Kohaku.Data.Danbooru;

// The layouts the danbooru2023 SQLite file went through (hakubooru.md §1.4).
public enum SchemaVersion
{
    // post.tag_list holds "$<base36 id>#" tokens; no posttagrelation.
    V1TagList,
    // posttagrelation plus the old post.tag_list / tag_count columns (the Kohaku XL Δ file).
    V2,
    // posttagrelation only; md5 and the URLs nullable.
    V3,
    // V3 plus post.updated_at (HakuBooru HEAD).
    V31,
}
