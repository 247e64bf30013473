using Kohaku.Notebooks.Kernel;

namespace Kohaku.Notebooks.Tests.Kernel;

public sealed class StdioOptionsTests
{
    [Fact]
    public void Parse_VSCodeTransportArgs_HonoursHostAndWorkingDir()
    {
        var options = StdioOptions.Parse(["[vscode]", "stdio", "--working-dir", "/nb", "--kernel-host", "h1", "--default-kernel", "csharp", "--http-port-range", "1000-2000", "--verbose"]);
        Assert.Equal(new StdioOptions("h1", "/nb", VSCode: true), options);
    }

    [Fact]
    public void Parse_UnknownArgument_ThrowsNamingIt() =>
        Assert.Equal("kernel stdio: unknown argument '--bogus'", Assert.Throws<ArgumentException>(() => StdioOptions.Parse(["stdio", "--bogus"])).Message);

    [Fact]
    public void Parse_MissingValue_Throws() =>
        Assert.Equal("kernel stdio: --working-dir needs a value", Assert.Throws<ArgumentException>(() => StdioOptions.Parse(["stdio", "--working-dir"])).Message);
}
