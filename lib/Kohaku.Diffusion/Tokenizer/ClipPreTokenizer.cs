using System.Net;
using System.Text.RegularExpressions;

namespace Kohaku.Diffusion.Tokenizer;

// CLIP's text cleanup and word split (sdxl-arch.md §7): HTML-unescape twice, collapse whitespace,
// lowercase, then the CLIP regex: the two specials, English contractions, letter runs, single
// digits, runs of other non-space characters. ftfy's mojibake repair is not reproduced; it
// changes nothing on well-formed UTF-8 tags.
internal static partial class ClipPreTokenizer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    internal static partial Regex Pattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public static string Clean(string text)
    {
        var unescaped = WebUtility.HtmlDecode(WebUtility.HtmlDecode(text));
        return Whitespace().Replace(unescaped, " ").Trim().ToLowerInvariant();
    }

    public static IEnumerable<string> Split(string text) =>
        Pattern().Matches(Clean(text)).Select(m => m.Value);
}
