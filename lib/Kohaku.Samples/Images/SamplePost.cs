using Kohaku.Data.Images;
namespace Kohaku.Samples.Images;

// What the sample picture of a post is drawn from: its id (the seed), original size and general tags.
// HasImage is false where danbooru2023-webp has no file either: non-image uploads (mp4, webm, zip,
// swf) and gold-only posts without md5.
public sealed record SamplePost(long Id, int Width, int Height, IReadOnlyList<string> GeneralTags, bool HasImage = true);
