namespace Kohaku.Diffusion.Tokenizer;

// CLIP's bytes_to_unicode: every byte gets a visible character so BPE works on strings without
// whitespace or control characters. Printable Latin-1 bytes map to themselves ('!'..'~',
// '¡'..'¬', '®'..'ÿ'); the remaining 68 bytes map to U+0100 onwards in byte order. Symbols is
// that printable-first order, which is also the order of the first 256 vocabulary entries
// (so '!' is id 0 in CLIP's vocabulary).
internal static class ClipByteMap
{
    public static readonly char[] ByteToChar = new char[256];

    public static readonly IReadOnlyDictionary<char, byte> CharToByte;

    public static readonly IReadOnlyList<string> Symbols;

    static ClipByteMap()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1)
            .Concat(Enumerable.Range('¡', '¬' - '¡' + 1))
            .Concat(Enumerable.Range('®', 'ÿ' - '®' + 1))
            .ToList();
        var order = new List<int>(printable);
        foreach (var b in printable)
            ByteToChar[b] = (char)b;
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            if (printable.Contains(b))
                continue;
            ByteToChar[b] = (char)next++;
            order.Add(b);
        }
        CharToByte = Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);
        Symbols = order.Select(b => ByteToChar[b].ToString()).ToList();
    }

    // A word as BPE starts it: one symbol per UTF-8 byte, "</w>" glued to the last one.
    public static List<string> WordSymbols(string word)
    {
        var symbols = System.Text.Encoding.UTF8.GetBytes(word).Select(b => ByteToChar[b].ToString()).ToList();
        symbols[^1] += "</w>";
        return symbols;
    }
}
