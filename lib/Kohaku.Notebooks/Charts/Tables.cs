using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;

namespace Kohaku.Notebooks.Charts;

// DataFrames as plain HTML tables and numbers as a table shows them. No script: GitHub, nbviewer
// and untrusted JupyterLab strip it, and the package formatter's paged rows then stay hidden.
// Integers get thousands separators from 10,000 on (a year stays 2021), other numbers are
// rounded to what a reader compares: 26.4 rather than 26.400000000000006.
public static class Tables
{
    public const int MaxRows = 100;

    // The first maxRows rows, numbers right-aligned; the wrapper scrolls sideways rather than
    // pushing a wide table off the page.
    public static string Html(DataFrame frame, int maxRows = MaxRows)
    {
        var html = new StringBuilder("<div class=\"kohaku-table\" style=\"max-width:100%;overflow-x:auto\"><table><thead><tr>");
        foreach (var column in frame.Columns) html.Append("<th>").Append(WebUtility.HtmlEncode(column.Name)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        var shown = Math.Min(frame.Rows.Count, maxRows);
        for (long row = 0; row < shown; row++)
        {
            html.Append("<tr>");
            foreach (var column in frame.Columns)
            {
                var value = column[row];
                html.Append(IsNumber(value) ? "<td style=\"text-align:right\">" : "<td>").Append(WebUtility.HtmlEncode(Format(value))).Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        if (shown < frame.Rows.Count) html.Append($"<p>first {Format(shown)} of {Format(frame.Rows.Count)} rows</p>");
        return html.Append("</div>").ToString();
    }

    public static string Format(object? value) => value switch
    {
        null => "",
        double d => Number(d),
        float f => Number(f),
        decimal m => Number((double)m),
        sbyte or byte or short or ushort or int or uint or long or ulong => Integer(Convert.ToDecimal(value, CultureInfo.InvariantCulture)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // At most two decimals from 1 on, three significant digits below (0.00123), whole numbers
    // with separators from 10,000 on.
    public static string Number(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "∞",
        double.NegativeInfinity => "−∞",
        _ when Math.Abs(value) >= 10_000 => value.ToString("#,##0", CultureInfo.InvariantCulture),
        _ when Math.Abs(value) >= 1 || value == 0 => value.ToString("0.##", CultureInfo.InvariantCulture),
        _ => value.ToString("G3", CultureInfo.InvariantCulture),
    };

    // A number alone in HTML (a cell's result, a record's property in a tree view): rounded, with
    // every digit in its tooltip.
    public static string NumberHtml(double value) => WithTooltip(Number(value), value.ToString(CultureInfo.InvariantCulture));

    public static string NumberHtml(float value) => WithTooltip(Number(value), value.ToString(CultureInfo.InvariantCulture));

    private static string WithTooltip(string shown, string full) => shown == full ? shown : $"<span title=\"{full}\">{shown}</span>";

    private static string Integer(decimal value) =>
        value.ToString(Math.Abs(value) >= 10_000 ? "#,##0" : "0", CultureInfo.InvariantCulture);

    private static bool IsNumber(object? value) => value is sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal;
}
