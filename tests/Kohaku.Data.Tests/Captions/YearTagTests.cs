using Kohaku.Data.Captions;

namespace Kohaku.Data.Tests.Captions;

public class YearTagTests
{
    [Theory]
    [InlineData("2020-12-31T23:30:00.000-05:00", "recent")]
    [InlineData("2021-01-01T00:30:00.000+09:00", "newest")]
    [InlineData("2019-03-04T05:06:07.123+09:00", "recent")]
    [InlineData("2005-01-01T00:00:00.000-05:00", "old")]
    [InlineData("2010-12-31T23:59:59.999-05:00", "old")]
    [InlineData("2004-12-31T23:00:00.000-05:00", "early")]
    [InlineData("2011-06-01T00:00:00.000-04:00", "early")]
    [InlineData("2014-06-01T00:00:00Z", "early")]
    [InlineData("2015-06-01T00:00:00.000-04:00", "mid")]
    [InlineData("2017-06-01T00:00:00.000-04:00", "mid")]
    [InlineData("2018-06-01T00:00:00.000-04:00", "recent")]
    [InlineData("2024-12-31T23:59:59.000-05:00", "newest")]
    [InlineData("2025-01-02T00:00:00.000-05:00", null)]
    [InlineData("garbage", "early")]
    [InlineData("", "early")]
    public void For_SheetEdgeCases(string createdAt, string? expected) => Assert.Equal(expected, YearTag.For(createdAt));

    [Fact]
    public void Year_KeepsWrittenOffset_NotUtc() => Assert.Equal(2020, YearTag.Year("2020-12-31T23:30:00.000-05:00"));
}
