using System.Text.RegularExpressions;

namespace Kohaku.Diffusion.Tokenizer;

// CLIP's word split (sdxl-arch.md §7) of the cleaned text (ClipTextClean): the two specials,
// English contractions, letter runs, single digits, runs of other non-space characters.
internal static partial class ClipPreTokenizer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    internal static partial Regex Pattern();

    public static IEnumerable<string> Split(string text) =>
        Pattern().Matches(ClipTextClean.Clean(text)).Select(m => m.Value);
}
