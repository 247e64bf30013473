using System.Globalization;

namespace Kohaku.Data.Captions;

// HakuBooru's year tag (hakubooru.md §3.4).
public static class YearTag
{
    // The year as written in the string's own offset (dateutil keeps it; converting to UTC would
    // move 2020-12-31T23:30-05:00 into 2021). Unparseable text counts as year 0.
    public static int Year(string createdAt) =>
        DateTimeOffset.TryParse(createdAt, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var t) ? t.Year : 0;

    public static string? ForYear(int year) => year switch
    {
        >= 2005 and <= 2010 => "old",
        <= 2014 => "early",
        <= 2017 => "mid",
        <= 2020 => "recent",
        <= 2024 => "newest",
        _ => null,
    };

    public static string? For(string createdAt) => ForYear(Year(createdAt));
}
