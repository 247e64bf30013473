using Kohaku.Data.Captions;

namespace Kohaku.Data.Tests.Captions;

public class CaptionAugmenterTests
{
    private const string Caption = "1girl, hatsune miku, vocaloid, artist x, |||a, b, c, d, e, f, g, h, i, j";

    [Fact]
    public void Augment_NoShuffleNoDropout_ReturnsCaptionUnchanged() =>
        Assert.Equal(Caption, new CaptionAugmenter(0, shuffle: false).Augment(Caption, new Random(1)));

    [Fact]
    public void Augment_ShuffleOnly_KeepsFixedPartAndPermutesRest()
    {
        var result = new CaptionAugmenter(0).Augment(Caption, new Random(3)).Split(", ");
        Assert.Equal(["1girl", "hatsune miku", "vocaloid", "artist x"], result[..4]);
        Assert.Equal("abcdefghij".Select(c => c.ToString()), result[4..].Order());
        Assert.NotEqual("abcdefghij".Select(c => c.ToString()), result[4..]);
    }

    [Fact]
    public void Augment_DropoutOnly_DropsAboutPOfFlexibleTagsNeverFixed()
    {
        var augmenter = new CaptionAugmenter(0.1, shuffle: false);
        var rng = new Random(11);
        var kept = 0;
        for (var i = 0; i < 2000; i++)
        {
            var tags = augmenter.Augment(Caption, rng).Split(", ");
            Assert.Equal(["1girl", "hatsune miku", "vocaloid", "artist x"], tags[..4]);
            var flex = tags[4..].Where(t => t.Length > 0).ToArray();
            Assert.Equal(flex.Order(), flex);
            kept += flex.Length;
        }
        Assert.InRange(kept / 20000.0, 0.88, 0.92);
    }

    [Fact]
    public void Augment_SameSeedAndStep_SameResult_DifferentStep_Differs()
    {
        var augmenter = new CaptionAugmenter();
        Assert.Equal(augmenter.Augment(Caption, 1337, 42, 1), augmenter.Augment(Caption, 1337, 42, 1));
        var variants = Enumerable.Range(0, 20).Select(step => augmenter.Augment(Caption, 1337, step)).Distinct().Count();
        Assert.True(variants > 10);
    }

    [Fact]
    public void Augment_NoSeparator_AllTagsFlexible()
    {
        var result = new CaptionAugmenter(0).Augment("a, b, c, d, e, f", new Random(5)).Split(", ");
        Assert.Equal(["a", "b", "c", "d", "e", "f"], result.Order());
    }

    [Fact]
    public void Augment_EmptyKeepPart_DropsEmptyFixedTag() =>
        Assert.Equal("x", new CaptionAugmenter(0, shuffle: true).Augment(", |||x", new Random(1)));

    [Fact]
    public void Constructor_DropoutOne_Throws() => Assert.Throws<ArgumentOutOfRangeException>(() => new CaptionAugmenter(1.0));

    // kohya's caption_dropout_rate: the whole caption is dropped, drawn before the shuffle, and only
    // when on, so a run without it draws exactly as before.
    [Fact]
    public void Augment_CaptionDropout_DropsWholeCaptionsAtTheRate_OffLeavesTheStreamAlone()
    {
        var dropping = new CaptionAugmenter(0.1, captionDropout: 0.25);
        var results = Enumerable.Range(0, 2000).Select(step => dropping.Augment(Caption, 1337, step)).ToList();
        var off = new CaptionAugmenter(0.1);
        var withZero = new CaptionAugmenter(0.1, captionDropout: 0);

        Assert.InRange(results.Count(r => r.Length == 0), 430, 570);   // 500 expected
        Assert.Equal(Enumerable.Range(0, 50).Select(s => off.Augment(Caption, 1337, s)), Enumerable.Range(0, 50).Select(s => withZero.Augment(Caption, 1337, s)));
        Assert.Equal("", new CaptionAugmenter(0, shuffle: false, captionDropout: 1).Augment(Caption, new Random(1)));
    }
}
