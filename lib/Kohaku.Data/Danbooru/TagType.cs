namespace Kohaku.Data.Danbooru;

// tag.type as the danbooru2023 SQLite file stores it; not Danbooru's own category numbers
// (there character is 4 and meta 5).
public enum TagType
{
    General = 0,
    Artist = 1,
    Character = 2,
    Copyright = 3,
    Meta = 4,
}
