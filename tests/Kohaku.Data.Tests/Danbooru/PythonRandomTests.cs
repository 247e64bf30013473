using Kohaku.Data.Danbooru;

namespace Kohaku.Data.Tests.Danbooru;

// Vectors from hakubooru.md §2.1 (CPython 3.11.7) and from CPython's random module.
public class PythonRandomTests
{
    [Fact]
    public void NextUInt32_Seed1_MatchesCPythonGetrandbits32()
    {
        var rng = new PythonRandom(1);
        Assert.Equal([577090037U, 2444712010U, 3639700191U, 3445702192U], new[] { rng.NextUInt32(), rng.NextUInt32(), rng.NextUInt32(), rng.NextUInt32() });
    }

    [Fact]
    public void Random_Seed1_MatchesSheetVectors()
    {
        var rng = new PythonRandom(1);
        double[] expected = [0.13436424411240122, 0.8474337369372327, 0.763774618976614, 0.2550690257394217, 0.49543508709194095];
        foreach (var e in expected) Assert.Equal(e, rng.Random());
    }

    [Theory]
    [InlineData(0L, 0.8444218515250481)]
    [InlineData(-3L, 0.23796462709189137)]
    [InlineData(1099511627781L, 0.5043802970418443)]
    public void Random_OtherSeeds_MatchCPython(long seed, double first) => Assert.Equal(first, new PythonRandom(seed).Random());

    [Fact]
    public void ChoicesIndices_Seed1Million_MatchesSheetIndices()
    {
        var picks = new long[5];
        new PythonRandom(1).ChoicesIndices(1_000_000, picks);
        Assert.Equal([134364L, 847433L, 763774L, 255069L, 495435L], picks);
    }

    [Fact]
    public void ChoicesIndices_Seed12345Population7_MatchesCPython()
    {
        var picks = new long[12];
        new PythonRandom(12345).ChoicesIndices(7, picks);
        Assert.Equal([2L, 0, 5, 2, 2, 1, 3, 1, 0, 3, 3, 1], picks);
    }

    [Fact]
    public void RandBelow_Seed1_MatchesRandrange()
    {
        var rng = new PythonRandom(1);
        Assert.Equal([140891L, 596853L, 888598L], new[] { rng.RandBelow(1_000_000), rng.RandBelow(1_000_000), rng.RandBelow(1_000_000) });
    }

    [Fact]
    public void SampleIndices_SmallPopulationPoolMethod_MatchesCPython() =>
        Assert.Equal([10L, 4, 12, 1, 2], new PythonRandom(7).SampleIndices(20, 5));

    [Fact]
    public void SampleIndices_SetMethod_MatchesCPython()
    {
        Assert.Equal([41L, 19, 50, 83, 6, 9, 68, 12, 46, 74], new PythonRandom(7).SampleIndices(100, 10));
        Assert.Equal([339563L, 993908, 158176, 414002, 682554, 50631, 75954, 861168, 561913, 98702], new PythonRandom(7).SampleIndices(1_000_000, 10));
    }

    [Fact]
    public void SampleIndices_MoreThanPopulation_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PythonRandom(1).SampleIndices(3, 4));
}
