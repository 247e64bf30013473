using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;

namespace Kohaku.Data.Tests.Captions;

public class RatingTagTests
{
    [Theory]
    [InlineData(Rating.General, "safe")]
    [InlineData(Rating.Sensitive, "sensitive")]
    [InlineData(Rating.Questionable, "nsfw")]
    [InlineData(Rating.Explicit, "explicit, nsfw")]
    public void For_EachRating_SheetTags(Rating rating, string expected) => Assert.Equal(expected, string.Join(", ", RatingTag.For(rating)));
}
