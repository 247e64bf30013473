using Microsoft.Data.Sqlite;

namespace Kohaku.Data.Danbooru;

// The whole tag table in memory (about a million rows on the real file): relation rows then need
// only integer reads, and every post shares the same Tag instances.
public sealed class TagTable
{
    private readonly Dictionary<long, Tag> _byId;
    private readonly Dictionary<string, Tag> _byName;

    private TagTable(Dictionary<long, Tag> byId)
    {
        _byId = byId;
        _byName = new Dictionary<string, Tag>(byId.Count, StringComparer.Ordinal);
        foreach (var tag in byId.Values) _byName.TryAdd(tag.Name, tag);
    }

    public int Count => _byId.Count;
    public IEnumerable<Tag> All => _byId.Values;

    public Tag this[long id] => _byId.TryGetValue(id, out var tag) ? tag
        : throw new InvalidDataException($"tag id {id} is referenced but not in table \"tag\"");

    public bool TryGet(long id, out Tag tag) => _byId.TryGetValue(id, out tag!);

    public Tag? Find(string name) => _byName.GetValueOrDefault(name);

    internal static TagTable Load(SqliteConnection connection, string path)
    {
        var byId = new Dictionary<long, Tag>();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT id, name, type FROM tag";
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            var type = reader.GetInt64(2);
            if (type is < 0 or > 4)
                throw new InvalidDataException($"{path}: tag id {id} has type {type}; the danbooru2023 file stores 0-4 (general, artist, character, copyright, meta)");
            byId[id] = new Tag(id, reader.GetString(1), (TagType)type);
        }
        return new TagTable(byId);
    }
}
