using Kohaku.Data.Config;
using Kohaku.Data.Images;

namespace Kohaku.Data.Tests.Images;

public class BucketConfigTests
{
    [Fact]
    public void Defaults_AreKohakuDeltaSettings()
    {
        var config = new BucketConfig();

        Assert.Equal((1024, 256, 4096, 64, false, false), (config.Resolution, config.MinSide, config.MaxSide, config.Step, config.NoUpscale, config.RandomCrop));
        Assert.Empty(config.Problems());
    }

    [Fact]
    public void Validate_SeveralBadFields_NamesEveryOne()
    {
        var config = new BucketConfig { Step = 48, MinSide = 512, MaxSide = 256, Images = [] };

        var e = Assert.Throws<ArgumentException>(() => config.Validate());

        Assert.Equal("run-file section \"buckets\": step: 48 must be a positive multiple of 32; maxSide: 256 must be at least minSide 512; "
            + "resolution: 1024 is above maxSide 256; images: at least one image folder is needed", e.Message);
    }

    [Fact]
    public void LoadSection_RunFile_ReadsCamelCaseAndRefusesUnknownField()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "{ \"buckets\": { \"resolution\": 512, \"noUpscale\": true, \"images\": [\"a\", \"b\"], \"seed\": 7 } }");
        var config = RunFile.LoadSection<BucketConfig>(path, "buckets");
        File.WriteAllText(path, "{ \"buckets\": { \"resolutoin\": 512 } }");

        var e = Assert.Throws<InvalidDataException>(() => RunFile.LoadSection<BucketConfig>(path, "buckets"));

        Assert.Equal((512, true, 7), (config.Resolution, config.NoUpscale, config.Seed));
        Assert.Equal(["a", "b"], config.Images);
        Assert.Contains("resolutoin", e.Message);
        File.Delete(path);
    }
}
