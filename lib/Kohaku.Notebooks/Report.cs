using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Kohaku.Notebooks.Charts;
using Microsoft.DotNet.Interactive;

namespace Kohaku.Notebooks;

// Headline figures: a cell calls Report.Headline("images kept", 1234) and the figure is shown in
// the cell and collected by `kohaku run` into the run's index.html. The figure travels inside
// the output itself (a marked HTML element), so an executed notebook carries its own headlines.
public static partial class Report
{
    public static void Headline(string name, object value)
    {
        var block = Markup(name, value);
        if (KernelInvocationContext.Current is { } context)
            KernelInvocationContextExtensions.Display(context, block, "text/html");
    }

    internal static HtmlBlock Markup(string name, object value)
    {
        var text = value is IFormattable f ? f.ToString(value is double or float ? "G6" : null, CultureInfo.InvariantCulture) : value?.ToString() ?? "";
        return new HtmlBlock(
            $"<div class=\"kohaku-headline\" data-name=\"{WebUtility.HtmlEncode(name)}\" data-value=\"{WebUtility.HtmlEncode(text)}\">" +
            $"<b>{WebUtility.HtmlEncode(name)}</b>: {WebUtility.HtmlEncode(text)}</div>");
    }

    // The (name, value) pairs in one HTML output, in order.
    public static IEnumerable<(string Name, string Value)> HeadlinesIn(string html) =>
        Marker().Matches(html).Select(m => (WebUtility.HtmlDecode(m.Groups["name"].Value), WebUtility.HtmlDecode(m.Groups["value"].Value)));

    [GeneratedRegex("<div class=\"kohaku-headline\" data-name=\"(?<name>[^\"]*)\" data-value=\"(?<value>[^\"]*)\">")]
    private static partial Regex Marker();
}
