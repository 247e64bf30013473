using System.Text;

namespace Kohaku.Bench;

public static class BenchTable
{
    public static string ToMarkdown(IEnumerable<BenchRow> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| stage | figure | value | goal | reference (same run) |");
        sb.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var r in rows)
            sb.AppendLine($"| {Escape(r.Stage)} | {Escape(r.Figure)} | {Escape(r.Value)} | {Escape(r.Goal)} | {Escape(r.Reference)} |");
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("|", "\\|").Replace("\n", " ");
}
