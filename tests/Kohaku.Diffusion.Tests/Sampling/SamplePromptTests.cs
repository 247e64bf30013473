using Kohaku.Diffusion.Sampling;

namespace Kohaku.Diffusion.Tests.Sampling;

// kohya sd-scripts' prompt-line options (train_util.line_to_prompt_dict): split at " --", each option
// matched case-insensitively at its start, steps clamped to 1..1000, unknown options ignored.
public class SamplePromptTests
{
    private static readonly SampleSettings Defaults = new(512, 512, 30, 7.5, 1337);

    [Fact]
    public void Parse_EveryOption_AppliesEach()
    {
        var p = SamplePrompt.Parse("1girl, solo, |||red background --n lowres, bad hands --w 1024 --h 768 --s 28 --l 5.5 --d 42", Defaults);

        Assert.Equal("1girl, solo, |||red background", p.Prompt);
        Assert.Equal("lowres, bad hands", p.Negative);
        Assert.Equal(new SampleSettings(1024, 768, 28, 5.5, 42), p.Settings);
    }

    [Fact]
    public void Parse_NoOptions_KeepsDefaultsAndNoNegative()
    {
        var p = SamplePrompt.Parse("1girl, solo", Defaults);

        Assert.Equal(new SamplePrompt("1girl, solo", null, Defaults), p);
    }

    [Theory]
    [InlineData("x --s 5000", 1000)]      // clamped as kohya does
    [InlineData("x --s 0", 1)]
    [InlineData("x --S 12", 12)]          // IGNORECASE
    [InlineData("x --s 12steps", 12)]     // re.match is anchored at the start only
    [InlineData("x --s twelve", 30)]      // no digits: the option does not apply
    [InlineData("x --steps 12", 30)]      // "steps 12" is not "s (\d+)": ignored like any unknown option
    public void Parse_Steps_AsKohyaReadsThem(string line, int steps) =>
        Assert.Equal(steps, SamplePrompt.Parse(line, Defaults).Settings.Steps);

    [Theory]
    [InlineData("x --w 1000 --h 700", 960, 640)]   // rounded down to a multiple of 64
    [InlineData("x --w 10 --h 63", 64, 64)]
    public void Parse_Sizes_RoundedDownToTheBucketStep(string line, int width, int height) =>
        Assert.Equal((width, height), (SamplePrompt.Parse(line, Defaults).Settings.Width, SamplePrompt.Parse(line, Defaults).Settings.Height));

    [Fact]
    public void Parse_LaterOptionWins_AndDashesInsideThePromptStay()
    {
        var p = SamplePrompt.Parse("a--b, c --d 1 --d 2 --l 3", Defaults);

        Assert.Equal("a--b, c", p.Prompt);
        Assert.Equal((2L, 3.0), (p.Settings.Seed, p.Settings.Cfg));
    }
}
