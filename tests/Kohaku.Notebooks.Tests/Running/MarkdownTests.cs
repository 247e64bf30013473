using Kohaku.Notebooks.Running;

namespace Kohaku.Notebooks.Tests.Running;

public sealed class MarkdownTests
{
    [Fact]
    public void ToHtml_Blocks_RendersHeadingsListsCodeAndParagraphs()
    {
        const string md = "# Title\n\nSome *text* and **bold** with `a<b`.\nsame paragraph\n\n- one\n- [two](x.html)\n\n1. first\n\n```csharp\nvar x = 1 < 2;\n```\n---";
        Assert.Equal(
            "<h1>Title</h1>\n<p>Some <em>text</em> and <strong>bold</strong> with <code>a&lt;b</code>. same paragraph</p>\n" +
            "<ul>\n<li>one</li>\n<li><a href=\"x.html\">two</a></li>\n</ul>\n<ol>\n<li>first</li>\n</ol>\n" +
            "<pre><code>var x = 1 &lt; 2;</code></pre>\n<hr/>\n",
            Markdown.ToHtml(md));
    }

    [Fact]
    public void Inline_SnakeCaseAndImage_KeepsUnderscoresAndRendersImage() =>
        Assert.Equal("lokr_w1 <img src=\"a.png\" alt=\"plot\"/> <em>it</em>", Markdown.Inline("lokr_w1 ![plot](a.png) _it_"));
}
