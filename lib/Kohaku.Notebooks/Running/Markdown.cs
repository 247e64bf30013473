using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Kohaku.Notebooks.Running;

// Enough Markdown for notebook narrative in the HTML report: headings, paragraphs, bullet and
// numbered lists, fenced code, block quotes, rules, inline code, bold, italic, links and images.
// Anything else passes through as escaped text.
public static partial class Markdown
{
    public static string ToHtml(string markdown)
    {
        var html = new StringBuilder();
        var paragraph = new List<string>();
        string? list = null;
        var lines = markdown.Replace("\r", "").Split('\n');
        void FlushParagraph()
        {
            if (paragraph.Count > 0) html.Append("<p>").Append(Inline(string.Join(" ", paragraph))).Append("</p>\n");
            paragraph.Clear();
        }
        void CloseList()
        {
            if (list is not null) html.Append($"</{list}>\n");
            list = null;
        }
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                FlushParagraph(); CloseList();
                var code = new List<string>();
                while (++i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal)) code.Add(lines[i]);
                html.Append("<pre><code>").Append(WebUtility.HtmlEncode(string.Join("\n", code))).Append("</code></pre>\n");
                continue;
            }
            if (Heading().Match(line) is { Success: true } h)
            {
                FlushParagraph(); CloseList();
                var level = h.Groups[1].Length;
                html.Append($"<h{level}>{Inline(h.Groups[2].Value)}</h{level}>\n");
            }
            else if (Rule().IsMatch(line)) { FlushParagraph(); CloseList(); html.Append("<hr/>\n"); }
            else if (ListItem().Match(line) is { Success: true } item)
            {
                FlushParagraph();
                var kind = char.IsDigit(item.Groups[1].Value[0]) ? "ol" : "ul";
                if (list != kind) { CloseList(); html.Append($"<{kind}>\n"); list = kind; }
                html.Append("<li>").Append(Inline(item.Groups[2].Value)).Append("</li>\n");
            }
            else if (line.StartsWith('>')) { FlushParagraph(); CloseList(); html.Append("<blockquote>").Append(Inline(line.TrimStart('>', ' '))).Append("</blockquote>\n"); }
            else if (line.Trim().Length == 0) { FlushParagraph(); CloseList(); }
            else if (list is not null && line.StartsWith("  ", StringComparison.Ordinal)) html.Insert(html.Length - "</li>\n".Length, " " + Inline(line.Trim()));
            else { CloseList(); paragraph.Add(line.Trim()); }
        }
        FlushParagraph();
        CloseList();
        return html.ToString();
    }

    internal static string Inline(string text)
    {
        // Code spans first, so their content is not read as emphasis or links.
        var parts = CodeSpan().Split(text);
        var html = new StringBuilder();
        for (var i = 0; i < parts.Length; i++)
        {
            if (i % 2 == 1) { html.Append("<code>").Append(WebUtility.HtmlEncode(parts[i])).Append("</code>"); continue; }
            var s = WebUtility.HtmlEncode(parts[i]);
            s = Image().Replace(s, "<img src=\"$2\" alt=\"$1\"/>");
            s = Link().Replace(s, "<a href=\"$2\">$1</a>");
            s = Bold().Replace(s, "<strong>$1$2</strong>");
            s = Italic().Replace(s, "<em>$1$2</em>");
            html.Append(s);
        }
        return html.ToString();
    }

    [GeneratedRegex(@"^(#{1,6})\s+(.*?)\s*#*$")] private static partial Regex Heading();
    [GeneratedRegex(@"^\s*([-*_])(\s*\1){2,}\s*$")] private static partial Regex Rule();
    [GeneratedRegex(@"^\s*([-*+]|\d+[.)])\s+(.*)$")] private static partial Regex ListItem();
    [GeneratedRegex(@"`([^`]+)`")] private static partial Regex CodeSpan();
    [GeneratedRegex(@"!\[([^\]]*)\]\(([^)\s]+)\)")] private static partial Regex Image();
    [GeneratedRegex(@"\[([^\]]+)\]\(([^)\s]+)\)")] private static partial Regex Link();
    [GeneratedRegex(@"\*\*(.+?)\*\*|__(.+?)__")] private static partial Regex Bold();
    [GeneratedRegex(@"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)")] private static partial Regex Italic();
}
