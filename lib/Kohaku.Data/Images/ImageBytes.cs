namespace Kohaku.Data.Images;

// One post's file as stored: the bytes unchanged, the extension from the member or file name
// (`webp` for danbooru2023-webp), and where it came from (tar and member, or file path) for reports.
public sealed record ImageBytes(long Id, string Extension, byte[] Data, string Origin);
