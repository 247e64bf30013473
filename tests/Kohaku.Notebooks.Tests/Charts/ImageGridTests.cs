using Kohaku.Diffusion.Sampling;
using Kohaku.Notebooks.Charts;
using Kohaku.Training.Config;

namespace Kohaku.Notebooks.Tests.Charts;

public sealed class ImageGridTests
{
    [Fact]
    public void FromBytes_Items_OneImgPerItemWithEncodedCaption()
    {
        var grid = ImageGrid.FromBytes([new([1, 2, 3], "1girl, <solo>"), new([4], "b", "image/jpeg")], columns: 2);
        Assert.Contains("grid-template-columns:repeat(2,256px)", grid.Html);
        Assert.Contains("<img src=\"data:image/png;base64,AQID\"", grid.Html);
        Assert.Contains("<img src=\"data:image/jpeg;base64,BA==\"", grid.Html);
        Assert.Contains("<figcaption style=\"font-size:12px;word-break:break-word\">1girl, &lt;solo&gt;</figcaption>", grid.Html);
    }

    [Fact]
    public void Caption_Settings_NamesSeedStepsCfgAndPrompt() =>
        Assert.Equal("base: seed 1337, 12 Euler steps, cfg 7.5 · 1girl, solo",
            ImageGrid.Caption("base", "1girl, solo", new SampleSettings(Steps: 12, Cfg: 7.5, Seed: 1337)));

    [Fact]
    public void PreviewCaption_PreviewFileName_StepAndThatPromptsSeed()
    {
        var train = new TrainConfig { SamplePrompts = ["a", "b"], SampleSeed = 1337, SampleSteps = 12, SampleGuidance = 5 };
        Assert.Equal("step 100: seed 1338, 12 Euler steps, cfg 5 · b", ImageGrid.PreviewCaption("/run/train/previews/step-00000100-01.png", train));
        Assert.Equal("other.png", ImageGrid.PreviewCaption("/x/other.png", train));
    }

    [Fact]
    public void FromFiles_CaptionCountMismatch_Throws()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var a = Path.Combine(dir, "a.png");
        File.WriteAllBytes(a, [9]);
        Assert.Contains("1 images but 2 captions", Assert.Throws<ArgumentException>(() => ImageGrid.FromFiles([a], ["x", "y"])).Message);
        Assert.Contains(">a.png</figcaption>", ImageGrid.FromFiles([a]).Html);
    }
}
