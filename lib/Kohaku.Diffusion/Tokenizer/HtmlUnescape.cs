using System.Globalization;
using System.Text.RegularExpressions;

namespace Kohaku.Diffusion.Tokenizer;

// The two HTML decoders CLIP's cleanup runs: Python's html.unescape (applied twice) and ftfy's
// stricter unescape_html. .NET's WebUtility.HtmlDecode cannot stand in for either: it knows the
// 253 HTML4 names only, none without their ';' ("&amp", "&copy2024"), and maps invalid numeric
// references differently.
internal static partial class HtmlUnescape
{
    // Name (with or without ';') → characters, as Python's html.entities.html5.
    private static readonly Dictionary<string, string> Html5 = ReadHtml5();

    // The entity values whose Python upper() .NET's ToUpperInvariant does not reproduce: full case
    // mappings to several letters, and dotless ı, which .NET's invariant casing leaves alone.
    private static readonly Dictionary<string, string> PythonUpperExceptions = new()
    {
        ["ß"] = "SS", ["ŉ"] = "ʼN", ["ﬀ"] = "FF", ["ﬁ"] = "FI", ["ﬂ"] = "FL", ["ﬃ"] = "FFI", ["ﬄ"] = "FFL", ["ı"] = "I",
    };

    // ftfy's table: the ';' names, plus upper-cased forms of all-lowercase names ("EACUTE;" → É)
    // where that form is not itself an entity.
    private static readonly Dictionary<string, string> FtfyNames = BuildFtfyNames();

    [GeneratedRegex(@"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")]
    private static partial Regex CharRef();

    [GeneratedRegex(@"&#?[0-9A-Za-z]{1,24};")]
    private static partial Regex ClosedEntity();

    // Python's html.unescape: HTML5's rules for references with or without ';', including the
    // longest legacy name prefix ("&copy2024" → "©2024").
    public static string Python(string text) =>
        text.Contains('&') ? CharRef().Replace(text, m => DecodeReference(m.Groups[1].Value)) : text;

    // ftfy's unescape_html: only references closed by ';', so informal "this&not that" survives.
    public static string Ftfy(string text) => ClosedEntity().Replace(text, m =>
    {
        if (FtfyNames.TryGetValue(m.Value[1..], out var value))
            return value;
        if (m.Value[1] != '#')
            return m.Value;
        var decoded = Python(m.Value);
        return decoded.Contains(';') ? m.Value : decoded;
    });

    private static string DecodeReference(string reference)
    {
        if (reference[0] == '#')
            return DecodeNumber(reference);
        if (Html5.TryGetValue(reference, out var value))
            return value;
        for (var length = reference.Length - 1; length > 1; length--)
            if (Html5.TryGetValue(reference[..length], out value))
                return value + reference[length..];
        return "&" + reference;
    }

    // The numeric reference rules of Python's html module (from the HTML5 parsing spec).
    private static string DecodeNumber(string reference)
    {
        var hex = reference[1] is 'x' or 'X';
        long number = 0;
        foreach (var digit in reference.AsSpan(hex ? 2 : 1).TrimEnd(';'))
        {
            number = number * (hex ? 16 : 10) + (digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10);
            if (number > 0x10FFFF)
                break;  // beyond Unicode; more digits cannot bring it back
        }
        return number switch
        {
            0 or (>= 0xD800 and <= 0xDFFF) or > 0x10FFFF => "\uFFFD",
            >= 0x80 and <= 0x9F => ClipTextClean.C1AsWindows1252[(int)number - 0x80].ToString(),
            (>= 0x1 and <= 0x8) or 0xB or (>= 0xE and <= 0x1F) or 0x7F or (>= 0xFDD0 and <= 0xFDEF) => "",
            _ when (number & 0xFFFE) == 0xFFFE => "",
            _ => char.ConvertFromUtf32((int)number),
        };
    }

    private static Dictionary<string, string> ReadHtml5()
    {
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Html5Entities.Named.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var end = entry.IndexOf(';') + 1;
            table[entry[..end]] = string.Concat(entry[end..].Split('+').Select(cp => char.ConvertFromUtf32(int.Parse(cp, NumberStyles.HexNumber, CultureInfo.InvariantCulture))));
        }
        foreach (var name in Html5Entities.WithoutSemicolon.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            table[name] = table[name + ";"];
        return table;
    }

    private static Dictionary<string, string> BuildFtfyNames()
    {
        var names = Html5.Where(kv => kv.Key.EndsWith(';')).ToDictionary(StringComparer.Ordinal);
        foreach (var (name, value) in names.ToArray())
        {
            var upper = name.ToUpperInvariant();
            if (name == name.ToLowerInvariant() && Python("&" + upper) == "&" + upper)
                names[upper] = PythonUpperExceptions.GetValueOrDefault(value) ?? value.ToUpperInvariant();
        }
        return names;
    }
}
