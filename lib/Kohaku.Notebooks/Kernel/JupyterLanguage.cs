using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace Kohaku.Notebooks.Kernel;

// complete_request, inspect_request and is_complete_request on the C# kernel's language services.
// Jupyter counts cursor_pos in Unicode code points (protocol 5.2+), Roslyn in UTF-16 units by line,
// so a character outside the BMP (an emoji) before the cursor shifts one against the other.
internal static class JupyterLanguage
{
    public static async Task<JsonObject> CompleteAsync(CompositeKernel root, string code, int cursorPos)
    {
        var text = SourceText.From(code);
        var cursor = Utf16Offset(code, cursorPos);
        var result = await root.SendAsync(new RequestCompletions(code, ToLinePosition(text, cursor)));
        var produced = result.Events.OfType<CompletionsProduced>().FirstOrDefault();
        var start = produced?.LinePositionSpan is { } span ? text.Lines.GetPosition(span.Start.ToCodeAnalysisLinePosition()) : WordStart(code, cursor);
        start = Math.Min(start, cursor);

        // Roslyn lists every member in scope; like ipykernel, answer only what the typed word starts.
        var typed = code[start..cursor];
        var matches = (produced?.Completions ?? [])
            .Where(c => (c.FilterText ?? c.DisplayText).StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Select(c => c.InsertText ?? c.DisplayText)
            .Distinct()
            .Select(m => (JsonNode?)m);
        return new()
        {
            ["status"] = "ok",
            ["matches"] = new JsonArray([.. matches]),
            ["cursor_start"] = CodePointOffset(code, start),
            ["cursor_end"] = CodePointOffset(code, cursor),
            ["metadata"] = new JsonObject(),
        };
    }

    // Hover text at the cursor; Jupyter sends the cursor just after the name, where Roslyn's
    // hover may find nothing, so one character back is tried too.
    public static async Task<JsonObject> InspectAsync(CompositeKernel root, string code, int cursorPos)
    {
        var text = SourceText.From(code);
        var cursor = Utf16Offset(code, cursorPos);
        int[] positions = cursor > 0 ? [cursor, cursor - 1] : [cursor];
        foreach (var at in positions)
        {
            var result = await root.SendAsync(new RequestHoverText(code, ToLinePosition(text, at)));
            if (result.Events.OfType<HoverTextProduced>().FirstOrDefault() is not { } hover) continue;
            var data = new JsonObject();
            foreach (var value in hover.Content) data[value.MimeType] = value.Value;
            if (!data.ContainsKey(PlainTextFormatter.MimeType)) data[PlainTextFormatter.MimeType] = hover.Content.First().Value;
            return new() { ["status"] = "ok", ["found"] = true, ["data"] = data, ["metadata"] = new JsonObject() };
        }
        return new() { ["status"] = "ok", ["found"] = false, ["data"] = new JsonObject(), ["metadata"] = new JsonObject() };
    }

    // Parsed as a script, as the C# kernel parses submissions: an open brace, parenthesis or
    // string at the end means the console should read another line.
    public static JsonObject IsComplete(string code)
    {
        var tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script));
        return SyntaxFactory.IsCompleteSubmission(tree)
            ? new() { ["status"] = "complete" }
            : new() { ["status"] = "incomplete", ["indent"] = "" };
    }

    public static int Utf16Offset(string code, int codePoints)
    {
        var offset = 0;
        for (var n = 0; n < codePoints && offset < code.Length; n++)
            offset += char.IsSurrogatePair(code, offset) ? 2 : 1;
        return offset;
    }

    public static int CodePointOffset(string code, int utf16Offset)
    {
        var codePoints = 0;
        for (var i = 0; i < utf16Offset && i < code.Length; i += char.IsSurrogatePair(code, i) ? 2 : 1) codePoints++;
        return codePoints;
    }

    private static Microsoft.DotNet.Interactive.LinePosition ToLinePosition(SourceText text, int offset) =>
        Microsoft.DotNet.Interactive.LinePosition.FromCodeAnalysisLinePosition(text.Lines.GetLinePosition(offset));

    private static int WordStart(string code, int cursor)
    {
        var start = cursor;
        while (start > 0 && (char.IsLetterOrDigit(code[start - 1]) || code[start - 1] == '_')) start--;
        return start;
    }
}
