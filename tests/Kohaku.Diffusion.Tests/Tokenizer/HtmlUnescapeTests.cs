using Kohaku.Diffusion.Tokenizer;

namespace Kohaku.Diffusion.Tests.Tokenizer;

public sealed class HtmlUnescapeTests
{
    // Expected values from Python 3.11.7's html.unescape.
    [Theory]
    [InlineData("&amp", "&")]
    [InlineData("&ampx", "&x")]
    [InlineData("&amp;amp;", "&amp;")]
    [InlineData("&EACUTE;", "&EACUTE;")]
    [InlineData("&eacute", "é")]
    [InlineData("&notin", "¬in")]
    [InlineData("&notin;", "∉")]
    [InlineData("&#X41", "A")]
    [InlineData("&#x110000;", "\uFFFD")]
    [InlineData("&#x80;", "€")]
    [InlineData("&#13;", "\r")]
    [InlineData("&#65;&#;&#x;", "A&#;&#x;")]
    [InlineData("&nbsp;", "\u00A0")]
    [InlineData("a & b", "a & b")]
    [InlineData("&Jscr;", "\U0001D4A5")]
    [InlineData("&copy2024", "©2024")]
    [InlineData("&lt&gt", "<>")]
    public void Python_Reference_MatchesHtmlUnescape(string text, string expected) =>
        Assert.Equal(expected, HtmlUnescape.Python(text));

    // Expected values from ftfy 6.3.1's fixes.unescape_html: ';'-closed references only.
    [Theory]
    [InlineData("&amp", "&amp")]
    [InlineData("&amp;amp;", "&amp;")]
    [InlineData("&EACUTE; &SZLIG; &IMATH; &NTILDE; &nTILDE;", "É SS I Ñ &nTILDE;")]
    [InlineData("&#39; &#59; &#x1F600;", "' &#59; \U0001F600")]
    [InlineData("this&not that", "this&not that")]
    public void Ftfy_Reference_MatchesUnescapeHtml(string text, string expected) =>
        Assert.Equal(expected, HtmlUnescape.Ftfy(text));
}
