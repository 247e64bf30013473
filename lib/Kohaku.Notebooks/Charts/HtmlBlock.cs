namespace Kohaku.Notebooks.Charts;

// Ready-made HTML a cell returns or displays; the kernel formats it as text/html verbatim.
public sealed record HtmlBlock(string Html)
{
    public override string ToString() => Html;
}
