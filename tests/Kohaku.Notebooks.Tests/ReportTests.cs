namespace Kohaku.Notebooks.Tests;

public sealed class ReportTests
{
    [Fact]
    public void HeadlinesIn_Markup_RoundTripsNameAndValue()
    {
        var html = Report.Markup("kept \"posts\" <all>", 1234.56789).Html + "<p>x</p>" + Report.Markup("steps", 10).Html;
        Assert.Equal([("kept \"posts\" <all>", "1234.57"), ("steps", "10")], Report.HeadlinesIn(html));
    }
}
