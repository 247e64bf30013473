using Kohaku.Notebooks.Running;

namespace Kohaku.Notebooks.Tests.Running;

public sealed class NotebookParametersTests
{
    [Theory]
    [InlineData("var runConfig = \"../data/sample.run.json\";   // the run file", "runConfig", "/abs/run.json", "var runConfig = \"/abs/run.json\";   // the run file")]
    [InlineData("var path = @\"C:\\x\";", "path", "C:\\y \"q\"", "var path = \"C:\\\\y \\\"q\\\"\";")]
    [InlineData("var epochs = 5;", "epochs", "12", "var epochs = 12;")]
    [InlineData("float lr = 1e-4f;", "lr", "3e-5", "float lr = 3e-5f;")]
    [InlineData("var fast = false;", "fast", "True", "var fast = true;")]
    [InlineData("var steps = 10L; // max", "steps", "20", "var steps = 20L; // max")]
    public void Apply_KnownName_ReplacesValueTypedLikeOriginal(string cell, string name, string value, string expected) =>
        Assert.Equal(expected, NotebookParameters.Apply(cell, new Dictionary<string, string> { [name] = value }));

    [Fact]
    public void Apply_SeveralLines_ChangesOnlyOverriddenLines()
    {
        const string cell = "var a = 1;\r\nvar b = \"x\";\r\n// note\r\nvar c = true;";
        Assert.Equal("var a = 1;\r\nvar b = \"y\";\r\n// note\r\nvar c = true;", NotebookParameters.Apply(cell, new Dictionary<string, string> { ["b"] = "y" }));
        Assert.Equal(["a", "b", "c"], NotebookParameters.Names(cell));
    }

    [Fact]
    public void Apply_UnknownName_ThrowsNamingItAndTheDeclaredOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => NotebookParameters.Apply("var epochs = 5;", new Dictionary<string, string> { ["epoch"] = "3" }));
        Assert.Equal("unknown parameter(s) epoch; the parameters cell declares: epochs", e.Message);
    }

    [Theory]
    [InlineData("var epochs = 5;", "five", "parameter epochs is a number; 'five' is not")]
    [InlineData("var fast = false;", "yes", "parameter fast is a bool; 'yes' is not true or false")]
    public void Apply_WrongType_ThrowsNamingParameter(string cell, string value, string message)
    {
        var name = NotebookParameters.Names(cell)[0];
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => NotebookParameters.Apply(cell, new Dictionary<string, string> { [name] = value })).Message);
    }
}
