using System.Globalization;
using System.Text.RegularExpressions;

namespace Kohaku.Notebooks.Running;

// The parameters cell is the code cell tagged "parameters" (papermill's tag; papermill inserts its
// "injected-parameters" cell after it, which C# scripting allows as re-declarations), else the first
// code cell. It holds simple assignments (`var epochs = 5;`, `string runConfig = "../data/sample.run.json";
// // comment`). `kohaku run --param` replaces the value of each overridden name, typed like the original
// so the cell still compiles to the same types: a string literal stays a quoted literal, numbers and
// bools stay raw.
public static partial class NotebookParameters
{
    public const string Tag = "parameters";

    // A cell's metadata "tags" as .NET Interactive's parser keeps them (JSON values or plain objects).
    public static IReadOnlyList<string> Tags(IDictionary<string, object>? metadata) =>
        metadata is not null && metadata.TryGetValue("tags", out var tags) ? tags switch
        {
            System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Array } array => array.EnumerateArray().Select(t => t.ToString()).ToList(),
            IEnumerable<object> list => list.Select(t => t?.ToString() ?? "").ToList(),
            _ => [],
        } : [];

    public static IReadOnlyList<string> Names(string cell) =>
        cell.Split('\n').Select(l => Assignment().Match(l.TrimEnd('\r'))).Where(m => m.Success).Select(m => m.Groups["name"].Value).ToList();

    public static string Apply(string cell, IReadOnlyDictionary<string, string> overrides)
    {
        var unknown = overrides.Keys.Except(Names(cell), StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"unknown parameter(s) {string.Join(", ", unknown)}; the parameters cell declares: {string.Join(", ", Names(cell))}");
        var lines = cell.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var cr = line.EndsWith('\r') ? "\r" : "";
            var m = Assignment().Match(line.TrimEnd('\r'));
            if (!m.Success || !overrides.TryGetValue(m.Groups["name"].Value, out var value)) continue;
            var literal = Literal(m.Groups["name"].Value, m.Groups["value"].Value, value);
            var v = m.Groups["value"];
            lines[i] = line[..v.Index] + literal + line[(v.Index + v.Length)..].TrimEnd('\r') + cr;
        }
        return string.Join('\n', lines);
    }

    // The new value written like the original: quoted for a string literal; checked and raw for
    // a number or bool; any other expression is replaced as written.
    internal static string Literal(string name, string original, string value)
    {
        if (original.StartsWith('"') || original.StartsWith("@\"", StringComparison.Ordinal))
            return "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r") + "\"";
        if (original is "true" or "false")
            return value.ToLowerInvariant() is "true" or "false" ? value.ToLowerInvariant() : throw new ArgumentException($"parameter {name} is a bool; '{value}' is not true or false");
        if (Number().IsMatch(original))
        {
            if (!Number().IsMatch(value)) throw new ArgumentException($"parameter {name} is a number; '{value}' is not");
            // Keep the original's suffix (5f, 10L) when the new value has none.
            var suffix = original[^1] is var c && char.IsLetter(c) && !char.IsLetter(value[^1]) ? c.ToString(CultureInfo.InvariantCulture) : "";
            return value + suffix;
        }
        return value;
    }

    [GeneratedRegex(@"^\s*(?:var|[A-Za-z_][\w.<>?\[\], ]*?)\s+(?<name>[A-Za-z_]\w*)\s*=\s*(?<value>.*?)\s*;\s*(?://.*)?$")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?[fFdDmMlLuU]?$")]
    private static partial Regex Number();
}
