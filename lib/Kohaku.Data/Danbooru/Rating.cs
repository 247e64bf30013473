namespace Kohaku.Data.Danbooru;

// post.rating as the danbooru2023 SQLite file stores it (HF-DB numbering, not Danbooru's letters).
public enum Rating
{
    General = 0,
    Sensitive = 1,
    Questionable = 2,
    Explicit = 3,
}
