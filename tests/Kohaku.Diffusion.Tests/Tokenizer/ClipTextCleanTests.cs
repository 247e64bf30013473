using Kohaku.Diffusion.Tokenizer;

namespace Kohaku.Diffusion.Tests.Tokenizer;

// Expected values from Python 3.11.7 (Unicode 14) with ftfy 6.3.1: CLIP's SimpleTokenizer cleanup is
// whitespace_clean(basic_clean(text)).lower(), that is re.sub(r"\s+", " ",
// html.unescape(html.unescape(ftfy.fix_text(text))).strip()).strip().lower().
public sealed class ClipTextCleanTests
{
    private static readonly Dictionary<string, string> PythonCleaned = new()
    {
        ["ＡＢＣ１２３"] = "abc123",  // full-width ASCII
        ["ＬＯＵＤ\u3000ＮＯＩＳＥＳ！"] = "loud noises!",  // full-width with ideographic space
        ["ｶﾀｶﾅ"] = "カタカナ",  // half-width katakana
        ["ｶ\uFF9Eｷ\uFF9Eﾊ\uFF9F"] = "ガギパ",  // half-width voiced marks compose (NFC)
        ["ﾡﾤ"] = "ᄀᄂ",  // half-width hangul jamo
        ["￥１００ ￠"] = "¥100 ¢",  // full-width yen, cent
        ["ﬁne ﬂower ﬀ ﬃ ﬄ ﬅ ﬆ"] = "fine flower ff ffi ffl ſt st",  // Latin ligatures
        ["\u0132ssel \u01C5ungla \u01C8 \u0149"] = "ijssel džungla lj 'n",  // ligature digraphs; ŉ's apostrophe uncurled
        ["x² ™ ½ ℃"] = "x² ™ ½ ℃",  // other compatibility characters stay
        ["“quoted” ‘single’ ‛x‟ ‚„ \u02BCokina"] = "\"quoted\" 'single' 'x\" '\" 'okina",  // curly quotes
        ["İstanbul"] = "i\u0307stanbul",  // dotted capital I
        ["ΟΔΟΣ ΣΑΣ"] = "οδος σας",  // final sigma
        ["Σ ΑΣ.Σ Σa ΑΣ's"] = "σ ασ.ς σa ασ's",  // sigma contexts
        ["ὈΔΥΣΣΕΎΣ"] = "ὀδυσσεύς",  // Odysseus
        ["ⅫΣ ªΣ"] = "ⅻς ªς",  // Other_Uppercase / Other_Lowercase are cased
        ["ẞ \u212A \u212B"] = "ß k å",  // capital sharp s, Kelvin, Angstrom
        ["&amp &lt; &copy2024 &#39;"] = "& < ©2024 '",  // entities without semicolon
        ["&amp;amp;amp;lt;"] = "<",  // ftfy unescapes until stable
        ["a<b &amp;amp;amp;lt;"] = "a<b &amp;lt;",  // a '<' turns ftfy's unescape off
        ["&EACUTE;clair BUNDESSTRA&SZLIG;E &IMATH;"] = "éclair bundesstrasse i",  // ftfy's upper-case entities
        ["<i>\n&EACUTE;"] = "<i> &eacute;",  // upper-case entity after an HTML line
        ["&EACUTE;\n<i>"] = "é <i>",  // upper-case entity before an HTML line
        ["this&not that &notit; &checkmark; &Jscr;"] = "this¬ that ¬it; ✓ \U0001D4A5",  // html5 names, longest legacy prefix
        ["&#x1F600; &#128512; &#X41;&#x42&#67"] = "\U0001F600 \U0001F600 abc",  // numeric references
        ["&#128;&#x85;|&#0;|&#xD800;|&#1114112;|&#11;|&#x7f;|&#59;"] = "€…|\uFFFD|\uFFFD|\uFFFD|||;",  // invalid numeric references
        ["&unknown; &amp;unknown; &;"] = "&unknown; &unknown; &;",  // unknown names stay
        ["&nbsp;a&Tab;b&NewLine;c"] = "a b c",  // whitespace entities
        ["tab\there\nnew\r\nline\rcr\u2028ls\u2029ps\u0085nel\u000Bvt\u000Cff"] = "tab here new line cr ls ps…nelvt ff",  // line breaks and whitespace
        ["nul\u0000x\u0007bell\u007Fdel\uFEFFbom\u206Aarabic\uFFFCobj\uFFF9ann"] = "nulxbelldelbomarabicobjann",  // control characters removed
        ["\u001B[31mred\u001B[0m"] = "red",  // terminal escapes
        ["\u0080\u0093hi\u0094\u009D\u0081"] = "€\"hi\"\u009D\u0081",  // C1 controls as Windows-1252
        ["e\u0301 Cafe\u0301 n\u0303o A\u030A"] = "é café ño å",  // combining sequences compose
        ["\u200Bzero\u200Dwidth\u00ADsoft"] = "\u200Bzero\u200Dwidth\u00ADsoft",  // format characters stay
        ["  Mixed   CASE\t\t1GIRL  "] = "mixed case 1girl",  // whitespace collapse and lowercase
        ["  1GIRL,\n\n Long   Hair "] = "1girl, long hair",  // a caption
        ["\u3000\u00A0 padded \u2003"] = "padded",  // Unicode spaces stripped
        ["ＳＡＭＰＬＥ， ｍａｓｔｅｒｐｉｅｃｅ（ｓｏｌｏ）"] = "sample, masterpiece(solo)",  // full-width caption
        ["\u01C4 \u01C5 \u01C6 ΐ"] = "dž dž dž ΐ",  // titlecase digraph and Greek
        ["\U00010400\U00010428 \U0001F600"] = "\U00010428\U00010428 \U0001F600",  // supplementary planes
        ["a\uD800b\uDC00"] = "a\uFFFDb\uFFFD",  // lone surrogates
        ["a\uFFFEe\u0301"] = "a\uFFFEé",  // noncharacter U+FFFE
    };

    [Fact]
    public void Clean_VariedText_MatchesSimpleTokenizer()
    {
        var wrong = PythonCleaned
            .Select(kv => (Text: kv.Key, Want: kv.Value, Got: ClipTextClean.Clean(kv.Key)))
            .Where(c => c.Got != c.Want)
            .Select(c => $"{Escape(c.Text)}: got {Escape(c.Got)}, want {Escape(c.Want)}");
        Assert.Empty(wrong);
    }

    // ftfy.fix_text alone keeps case and line breaks; only '\n'-ended lines before the first one
    // holding a '<' get ftfy's entity decoding.
    [Theory]
    [InlineData("ＡＢＣ\r\n\u201cx\u201d", "ABC\n\"x\"")]
    [InlineData("&EACUTE;&amp;amp;", "É&")]
    [InlineData("&amp;\n<b>&amp;", "&\n<b>&amp;")]
    [InlineData("<b>&amp;\n&amp;", "<b>&amp;\n&amp;")]
    [InlineData("Cafe\u0301 ﬁ", "Café fi")]
    [InlineData("ｶ\uFF9E\u2028\u0085", "ガ\n…")]
    public void FixText_Text_MatchesFtfy(string text, string expected) =>
        Assert.Equal(expected, ClipTextClean.FixText(text));

    [Fact]
    public void Lower_CapitalSigma_FinalOnlyWhereNoCasedLetterFollows() =>
        Assert.Equal("σοφος σ οσ'ς", ClipTextClean.Lower("ΣΟΦΟΣ Σ ΟΣ'Σ"));

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));
}
