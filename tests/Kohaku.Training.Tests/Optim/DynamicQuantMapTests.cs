using Kohaku.Training.Optim;

namespace Kohaku.Training.Tests.Optim;

// lion8bit.md §3.2 and the §6 regression checks for the 0.36–0.41.0 map bug.
public class DynamicQuantMapTests
{
    private static readonly float[] Code = DynamicQuantMap.Signed;

    [Fact]
    public void Signed_Has256StrictlyIncreasingValues()
    {
        Assert.Equal(256, Code.Length);
        for (var i = 1; i < Code.Length; i++) Assert.True(Code[i] > Code[i - 1], $"index {i}");
    }

    [Fact]
    public void Signed_EndsAtOneWithZeroAt127AndNoMinusOne()
    {
        Assert.Equal(1.0f, Code[255]);
        Assert.Equal(0f, Code[127]);
        AssertUlp(-0.99296875f, Code[0]);
    }

    [Fact]
    public void Signed_NegativeHalfMirrorsPositiveHalf()
    {
        for (var k = 1; k <= 127; k++) Assert.Equal(-Code[127 + k], Code[127 - k]);
    }

    [Theory]
    [InlineData(128, 5.50000038e-07f)]
    [InlineData(131, 2.12499981e-05f)]
    [InlineData(143, 0.00128124992f)]
    [InlineData(159, 0.0114062503f)]
    [InlineData(190, 0.0985937491f)]
    [InlineData(191, 0.107031256f)]
    [InlineData(201, 0.247656241f)]
    [InlineData(219, 0.500781238f)]
    [InlineData(226, 0.599218786f)]
    [InlineData(254, 0.992968738f)]
    public void Signed_SheetValues_MatchWithinOneUlp(int index, float expected) => AssertUlp(expected, Code[index]);

    [Fact]
    public void Signed_PerDecadeCounts_AreOneTwoFourToSixtyFour()
    {
        var positives = Code.Where(v => v > 0 && v < 1).ToArray();
        for (var i = 0; i < 7; i++)
        {
            double lo = Math.Pow(10, i - 7), hi = Math.Pow(10, i - 6);
            Assert.Equal(1 << i, positives.Count(v => v >= lo && v < hi));
        }
    }

    private static void AssertUlp(float expected, float actual) =>
        Assert.True(Math.Abs(BitConverter.SingleToInt32Bits(expected) - BitConverter.SingleToInt32Bits(actual)) <= 1, $"expected {expected:R}, got {actual:R}");
}
