namespace Kohaku.Data.Danbooru;

// One row of the tag table. Instances are shared through TagTable, so posts hold references, not copies.
public sealed record Tag(long Id, string Name, TagType Type);
