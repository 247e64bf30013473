using System.Text;
using Kohaku.Data.Danbooru;

namespace Kohaku.Data.Captions;

// HakuBooru's make_caption for one post (hakubooru.md §3.1):
//   keep part  = special (count tags pulled out of general) + character + copyright + artist
//   then ", |||"
//   then general + meta (blacklisted meta dropped) + year + rating + quality.
// Names longer than 3 code points get spaces for underscores; shorter ones (^_^, o_o) stay as they are.
public sealed class CaptionBuilder(CaptionStyle style, QualityTagger quality)
{
    public CaptionStyle Style { get; } = style;
    public QualityTagger Quality { get; } = quality;

    public static CaptionBuilder Create(CaptionStyle style, FavPercentiles percentiles) => new(style, QualityTagger.For(style, percentiles));

    public string Build(TaggedPost tagged)
    {
        var post = tagged.Post;
        var special = new List<string>(2);
        var general = new List<string>(tagged.Tags.Count);
        var artist = new List<string>(2);
        var character = new List<string>(2);
        var copyright = new List<string>(2);
        var meta = new List<string>(4);
        foreach (var tag in tagged.Tags)
        {
            switch (tag.Type)
            {
                case TagType.General:
                    (HakuBooruTags.Special.Contains(tag.Name) ? special : general).Add(tag.Name);
                    break;
                case TagType.Artist:
                    if (Style == CaptionStyle.Delta || !tag.Name.Contains(HakuBooruTags.BannedArtistKeyword, StringComparison.Ordinal)) artist.Add(tag.Name);
                    break;
                case TagType.Character:
                    character.Add(tag.Name);
                    break;
                case TagType.Copyright:
                    copyright.Add(tag.Name);
                    break;
                case TagType.Meta:
                    if (!HakuBooruTags.IsBlacklistedMeta(tag.Name)) meta.Add(tag.Name);
                    break;
            }
        }

        var sb = new StringBuilder(512);
        var first = true;
        foreach (var group in (List<string>[])[special, character, copyright, artist])
            foreach (var name in group) Append(sb, name, ref first);
        sb.Append(HakuBooruTags.TagSeparator).Append(HakuBooruTags.KeepSeparator);

        first = true;
        foreach (var name in general) Append(sb, name, ref first);
        foreach (var name in meta) Append(sb, name, ref first);
        if (YearTag.For(post.CreatedAt) is { } year) AppendRaw(sb, year, ref first);
        foreach (var r in RatingTag.For(post.Rating)) AppendRaw(sb, r, ref first);
        if (Quality.Tag(post.Id, post.Rating, post.FavCount) is { } q) AppendRaw(sb, q, ref first);
        return sb.ToString();
    }

    // tag_str_list: drop names that are blank, replace underscores in names over 3 code points.
    public static string? FormatName(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        return CodePoints(name) > 3 ? name.Replace('_', ' ') : name;
    }

    private static int CodePoints(string s)
    {
        if (s.Length <= 3) return s.Length;
        var n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }

    private static void Append(StringBuilder sb, string name, ref bool first)
    {
        if (FormatName(name) is { } formatted) AppendRaw(sb, formatted, ref first);
    }

    private static void AppendRaw(StringBuilder sb, string text, ref bool first)
    {
        if (!first) sb.Append(HakuBooruTags.TagSeparator);
        sb.Append(text);
        first = false;
    }
}
