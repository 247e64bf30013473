using Kohaku.Notebooks.Running;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace Kohaku.Notebooks.Tests.Running;

public sealed class CellOutputsTests
{
    private static readonly SubmitCode Command = new("x");

    private static FormattedValue[] Plain(string text) => [new("text/plain", text)];

    [Fact]
    public void Add_StreamsAndUpdatedDisplay_MergesTextAndReplacesDisplayInPlace()
    {
        var outputs = new CellOutputs();
        outputs.Add(new StandardOutputValueProduced(Command, Plain("a\n")), 1);
        outputs.Add(new StandardOutputValueProduced(Command, Plain("b\n")), 1);
        outputs.Add(new DisplayedValueProduced("p", Command, Plain("10%"), "id1"), 1);
        outputs.Add(new StandardErrorValueProduced(Command, Plain("warn\n")), 1);
        outputs.Add(new DisplayedValueUpdated("p", "id1", Command, Plain("100%")), 1);
        outputs.Add(new ReturnValueProduced(3, Command, Plain("3")), 1);

        Assert.Collection(outputs.Outputs,
            o => Assert.Equal(("stdout", "a\nb\n"), (((TextElement)o).Name, ((TextElement)o).Text)),
            o => Assert.Equal("100%", ((DisplayElement)o).Data["text/plain"]),
            o => Assert.Equal(("stderr", "warn\n"), (((TextElement)o).Name, ((TextElement)o).Text)),
            o => Assert.Equal(("3", 1), ((string)((ReturnValueElement)o).Data["text/plain"], ((ReturnValueElement)o).ExecutionOrder)));
    }

    [Theory]
    [InlineData("System.InvalidOperationException: boom\n   at Submission#3.<Main>", "System.InvalidOperationException", "boom", 1)]
    [InlineData("(1,5): error CS0103: The name 'y' does not exist in the current context", "Error", "(1,5): error CS0103: The name 'y' does not exist in the current context", 0)]
    [InlineData("Command cancelled.", "Error", "Command cancelled.", 0)]
    public void Error_Message_SplitsExceptionTypeValueAndTrace(string message, string name, string value, int traceLines)
    {
        var error = CellOutputs.Error(message);
        Assert.Equal((name, value, traceLines), (error.ErrorName, error.ErrorValue, error.StackTrace.Length));
    }
}
