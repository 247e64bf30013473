using Kohaku.Data.Danbooru;

namespace Kohaku.Data.Captions;

// HakuBooru's rating tags; explicit gets "explicit" then "nsfw" (the card lists them the other way round).
public static class RatingTag
{
    public static IReadOnlyList<string> For(Rating rating) => rating switch
    {
        Rating.General => General,
        Rating.Sensitive => Sensitive,
        Rating.Questionable => Questionable,
        Rating.Explicit => Explicit,
        _ => throw new ArgumentOutOfRangeException(nameof(rating), rating, null),
    };

    private static readonly string[] General = ["safe"];
    private static readonly string[] Sensitive = ["sensitive"];
    private static readonly string[] Questionable = ["nsfw"];
    private static readonly string[] Explicit = ["explicit", "nsfw"];
}
