using Kohaku.Notebooks.Running;
using Microsoft.DotNet.Interactive.Documents;

namespace Kohaku.Notebooks.Tests.Running;

public sealed class HtmlReportTests
{
    [Fact]
    public void Output_SeveralMimeTypes_PicksRichestAndEscapesText()
    {
        Assert.Equal("<b>x</b>", HtmlReport.Output(new DisplayElement(new Dictionary<string, object> { ["text/plain"] = "x", ["text/html"] = "<b>x</b>" })));
        Assert.Equal("<img src=\"data:image/png;base64,AAA=\"/>", HtmlReport.Output(new DisplayElement(new Dictionary<string, object> { ["text/plain"] = "img", ["image/png"] = "AAA=\n" })));
        Assert.Equal("<pre class=\"stdout\">a &lt; b</pre>", HtmlReport.Output(new TextElement("a < b", "stdout")));
        Assert.Equal("<div class=\"error\"><pre>E: bad &amp; worse\n  at X</pre></div>", HtmlReport.Output(new ErrorElement("bad & worse", "E", ["  at X"])));
    }

    [Fact]
    public void Page_Chart_LoadsPlotlyFromItsFolderOnlyWhenDrawing()
    {
        const string script = "<script type=\"text/javascript\" src=\"plotly.min.js\"></script>";
        Assert.DoesNotContain(script, HtmlReport.Page("t", "<p>no chart</p>"));
        var page = HtmlReport.Page("t", "<script>Plotly.newPlot('a', [], {});</script>");
        Assert.Contains(script, page);
        Assert.DoesNotContain("plotly.js v", page);
    }
}
