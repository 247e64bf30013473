namespace Kohaku.Data.Danbooru;

// The post columns the stages use. CreatedAt stays the raw text: the year tag is taken in the
// string's own offset, which a conversion to DateTime would lose.
public sealed record Post(
    long Id,
    string CreatedAt,
    Rating Rating,
    int Score,
    int FavCount,
    bool IsDeleted,
    bool IsBanned,
    string FileExt,
    string? Md5,
    string? FileUrl,
    int Width,
    int Height)
{
    // Gold-only / hidden posts carry no file: HakuBooru's build leaves md5 and file_url null (UNCONFIRMED in the sheet).
    public bool IsGoldOnly => string.IsNullOrEmpty(FileUrl) || string.IsNullOrEmpty(Md5);
}

// A post with its tags in posttagrelation.id order (the order HakuBooru's join returns them in).
public sealed record TaggedPost(Post Post, IReadOnlyList<Tag> Tags);
