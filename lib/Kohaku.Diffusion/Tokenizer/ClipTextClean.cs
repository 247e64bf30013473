using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Kohaku.Diffusion.Tokenizer;

// CLIP's text cleanup as openai's SimpleTokenizer (also open_clip's and sgm's) runs it
// (sdxl-arch.md §7): ftfy.fix_text, Python's html.unescape twice, strip, collapse whitespace,
// Python's str.lower(). Every step is reproduced to the code point, since a different character
// is a different token id.
internal static partial class ClipTextClean
{
    // Windows-1252's characters for bytes 0x80-0x9F; the five bytes it leaves undefined keep
    // their C1 control, as both ftfy's "sloppy" codec and Python's html module do.
    public const string C1AsWindows1252 =
        "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
        "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

    private static readonly Dictionary<char, string> C1Controls =
        Enumerable.Range(0, 32).ToDictionary(i => (char)(0x80 + i), i => C1AsWindows1252[i].ToString());

    private static readonly Dictionary<char, string> LatinLigatures = new()
    {
        ['Ĳ'] = "IJ", ['ĳ'] = "ij", ['ŉ'] = "ʼn", ['Ǳ'] = "DZ", ['ǲ'] = "Dz", ['ǳ'] = "dz", ['Ǆ'] = "DŽ", ['ǅ'] = "Dž",
        ['ǆ'] = "dž", ['Ǉ'] = "LJ", ['ǈ'] = "Lj", ['ǉ'] = "lj", ['Ǌ'] = "NJ", ['ǋ'] = "Nj", ['ǌ'] = "nj",
        ['ﬀ'] = "ff", ['ﬁ'] = "fi", ['ﬂ'] = "fl", ['ﬃ'] = "ffi", ['ﬄ'] = "ffl", ['ﬅ'] = "ſt", ['ﬆ'] = "st",
    };

    // ftfy's fix_character_width: NFKC, but only on the half-/full-width forms block (plus the
    // ideographic space), so other compatibility characters such as "²" or "™" stay.
    private static readonly Dictionary<char, string> CharacterWidth = BuildCharacterWidth();

    private static readonly Dictionary<char, string> CurlyQuotes = new()
    {
        ['\u02BC'] = "'", ['\u2018'] = "'", ['\u2019'] = "'", ['\u201A'] = "'", ['\u201B'] = "'",
        ['\u201C'] = "\"", ['\u201D'] = "\"", ['\u201E'] = "\"", ['\u201F'] = "\"",
    };

    // Controls nobody means to type; whitespace controls and C1 stay (C1 were mapped above).
    private static readonly Dictionary<char, string> UnwantedControls =
        new[] { (0x00, 0x08), (0x0B, 0x0B), (0x0E, 0x1F), (0x7F, 0x7F), (0x206A, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFC) }
            .SelectMany(range => Enumerable.Range(range.Item1, range.Item2 - range.Item1 + 1))
            .ToDictionary(cp => (char)cp, _ => "");

    [GeneratedRegex(@"\x1B\[[\d;]*[a-zA-Z]")]
    private static partial Regex TerminalEscape();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public static string Clean(string text)
    {
        var unescaped = HtmlUnescape.Python(HtmlUnescape.Python(FixText(text)));
        return Lower(Whitespace().Replace(unescaped, " ").Trim());
    }

    // ftfy 6.x fix_text with its default configuration, less fix_encoding. That mojibake repair is
    // a heuristic built on ftfy's tables of legacy codecs and "badness" statistics, far too large
    // to port, and it only fires on text that looks like UTF-8 misread as Windows-1252 or Latin-1
    // ("cafÃ©"), which prompts and captions read as UTF-8 are not.
    public static string FixText(string text)
    {
        var fixedText = new StringBuilder(text.Length);
        var unescapeHtml = true;
        for (var start = 0; start < text.Length;)
        {
            var end = text.IndexOf('\n', start) + 1;
            if (end == 0)
                end = text.Length;
            var line = text[start..end];
            // ftfy's "auto": a '<' means real HTML whose entities are meant; it stays off for the lines after.
            unescapeHtml &= !line.Contains('<');
            fixedText.Append(FixLine(line, unescapeHtml));
            start = end;
        }
        return fixedText.ToString();
    }

    // ftfy's fixers in its order, repeated until the line stops changing ("&amp;lt;" → "&lt;" → "<").
    private static string FixLine(string line, bool unescapeHtml)
    {
        while (true)
        {
            var text = unescapeHtml ? HtmlUnescape.Ftfy(line) : line;
            text = Map(text, C1Controls);
            text = Map(text, LatinLigatures);
            text = Map(text, CharacterWidth);
            text = Map(text, CurlyQuotes);
            text = text.Replace("\r\n", "\n").Replace('\r', '\n').Replace('\u2028', '\n').Replace('\u2029', '\n').Replace('\u0085', '\n');  // fix_line_breaks
            text = ReplaceLoneSurrogates(text);
            text = TerminalEscape().Replace(text, "");
            text = Map(text, UnwantedControls);
            text = Nfc(text);
            if (text == line)
                return text;
            line = text;
        }
    }

    private static Dictionary<char, string> BuildCharacterWidth()
    {
        var map = new Dictionary<char, string> { ['\u3000'] = " " };
        for (var c = '\uFF01'; c < '\uFFF0'; c++)
        {
            var nfkc = c.ToString().Normalize(NormalizationForm.FormKC);
            if (nfkc != c.ToString())
                map[c] = nfkc;
        }
        return map;
    }

    private static string Map(string text, Dictionary<char, string> map)
    {
        var mapped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (map.TryGetValue(c, out var replacement))
                mapped.Append(replacement);
            else
                mapped.Append(c);
        }
        return mapped.ToString();
    }

    // .NET refuses to normalize text holding the noncharacter U+FFFE, which NFC leaves alone
    // and which blocks composition, so the parts around it normalize on their own.
    private static string Nfc(string text) =>
        string.Join('\uFFFE', text.Split('\uFFFE').Select(part => part.Normalize(NormalizationForm.FormC)));

    // Python strings cannot hold a broken UTF-16 pair; ftfy turns lone surrogates into U+FFFD.
    private static string ReplaceLoneSurrogates(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                i++;
            else if (char.IsSurrogate(chars[i]))
                chars[i] = '\uFFFD';
        }
        return new string(chars);
    }

    // Python's str.lower(): full lowercase mappings, which differ from .NET's simple ones in
    // 'İ' → "i̇" (i + U+0307) and in Σ, which becomes ς at the end of a word and σ elsewhere.
    public static string Lower(string text)
    {
        var runes = text.EnumerateRunes().ToArray();
        var lower = new StringBuilder(text.Length);
        for (var i = 0; i < runes.Length; i++)
        {
            lower.Append(runes[i].Value switch
            {
                0x130 => "i\u0307",
                0x3A3 => IsFinalSigma(runes, i) ? "ς" : "σ",
                _ => Rune.ToLowerInvariant(runes[i]).ToString(),
            });
        }
        return lower.ToString();
    }

    // Unicode's Final_Sigma context, as CPython tests it: a cased letter before the Σ and none
    // after it, skipping case-ignorable characters (marks, apostrophes, ...) on both sides.
    private static bool IsFinalSigma(Rune[] runes, int sigma)
    {
        var before = sigma - 1;
        while (before >= 0 && IsCaseIgnorable(runes[before]))
            before--;
        var after = sigma + 1;
        while (after < runes.Length && IsCaseIgnorable(runes[after]))
            after++;
        return before >= 0 && IsCased(runes[before]) && (after == runes.Length || !IsCased(runes[after]));
    }

    // Unicode's Case_Ignorable: these categories plus Word_Break MidLetter, MidNumLet and Single_Quote.
    private static bool IsCaseIgnorable(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        || rune.Value is 0x27 or 0x2E or 0x3A or 0xB7 or 0x387 or 0x55F or 0x5F4 or 0x2018 or 0x2019 or 0x2024
            or 0x2027 or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A;

    // Unicode's Cased: the letter case categories plus Other_Lowercase/Other_Uppercase; of those,
    // only these ranges are not already case-ignorable (ª º, Roman numerals, circled and squared letters).
    private static bool IsCased(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        || rune.Value is 0xAA or 0xBA or (>= 0x2160 and <= 0x217F) or (>= 0x24B6 and <= 0x24E9)
            or (>= 0x1F130 and <= 0x1F149) or (>= 0x1F150 and <= 0x1F169) or (>= 0x1F170 and <= 0x1F189);
}
