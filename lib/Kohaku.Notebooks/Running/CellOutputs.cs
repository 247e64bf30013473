using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Events;

namespace Kohaku.Notebooks.Running;

// Turns the events of one submitted cell into .ipynb outputs, in arrival order: consecutive
// stream text is merged, an updated display replaces its original (so a progress display ends
// as its final state), and the failure becomes an error output.
internal sealed class CellOutputs
{
    private readonly List<InteractiveDocumentOutputElement> _outputs = [];
    private readonly Dictionary<string, int> _displays = [];

    public IReadOnlyList<InteractiveDocumentOutputElement> Outputs => _outputs;

    public void Add(KernelEvent e, int executionOrder)
    {
        switch (e)
        {
            case StandardOutputValueProduced o: AddText(Text(o), "stdout"); break;
            case StandardErrorValueProduced o: AddText(Text(o), "stderr"); break;
            case ErrorProduced o: AddText(o.Message + "\n", "stderr"); break;
            case ReturnValueProduced o when Data(o) is { Count: > 0 } data:
                var result = new ReturnValueElement { ExecutionOrder = executionOrder };
                foreach (var (k, v) in data) result.Data[k] = v;
                _outputs.Add(result);
                break;
            case DisplayedValueUpdated o when o.ValueId is { } id && _displays.TryGetValue(id, out var index):
                _outputs[index] = new DisplayElement(Data(o));
                break;
            case DisplayEvent o when o is DisplayedValueProduced or DisplayedValueUpdated && Data(o) is { Count: > 0 } data:
                if (o.ValueId is { } newId) _displays[newId] = _outputs.Count;
                _outputs.Add(new DisplayElement(data));
                break;
            case CommandFailed o:
                _outputs.Add(Error(o.Message));
                break;
        }
    }

    internal static ErrorElement Error(string message)
    {
        var lines = message.Replace("\r", "").Split('\n');
        var first = lines[0];
        var colon = first.IndexOf(": ", StringComparison.Ordinal);
        var looksLikeType = colon > 0 && !first[..colon].Contains(' ') && first[..colon].Contains('.');
        return looksLikeType
            ? new ErrorElement(first[(colon + 2)..], first[..colon], lines[1..])
            : new ErrorElement(first, "Error", lines[1..]);
    }

    private void AddText(string text, string stream)
    {
        if (_outputs.Count > 0 && _outputs[^1] is TextElement last && last.Name == stream)
            _outputs[^1] = new TextElement(last.Text + text, stream);
        else
            _outputs.Add(new TextElement(text, stream));
    }

    private static string Text(DisplayEvent e) => e.FormattedValues.FirstOrDefault()?.Value ?? e.Value?.ToString() ?? "";

    private static Dictionary<string, object> Data(DisplayEvent e) =>
        e.FormattedValues.Where(f => !f.SuppressDisplay).GroupBy(f => f.MimeType).ToDictionary(g => g.Key, g => (object)g.First().Value);
}
