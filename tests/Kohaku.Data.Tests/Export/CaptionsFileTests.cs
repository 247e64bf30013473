using Kohaku.Data.Export;

namespace Kohaku.Data.Tests.Export;

public class CaptionsFileTests
{
    [Fact]
    public void Read_JsonLines_IdsAndCaptionsInOrder()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "{\"id\":5,\"caption\":\"1girl, solo\"}\n\n{\"caption\":\"caf\\u00e9, star_(symbol)\",\"id\":12}\n");

        var captions = CaptionsFile.Read(path);

        Assert.Equal([(5L, "1girl, solo"), (12L, "café, star_(symbol)")], captions);
        File.Delete(path);
    }

    [Fact]
    public void Read_LineWithoutId_ThrowsNamingFileAndLine()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "{\"id\":5,\"caption\":\"a\"}\n{\"caption\":\"b\"}\n");

        var e = Assert.Throws<InvalidDataException>(() => CaptionsFile.Read(path));

        Assert.Contains($"{path}:2", e.Message);
        File.Delete(path);
    }
}
