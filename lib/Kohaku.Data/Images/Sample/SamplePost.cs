namespace Kohaku.Data.Images.Sample;

// What the sample picture of a post is drawn from: its id (the seed), original size and general tags.
public sealed record SamplePost(long Id, int Width, int Height, IReadOnlyList<string> GeneralTags);
