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
            if (reader.GetValue(0) is not long id || reader.GetValue(2) is not long type || reader.GetValue(1) is not string name)
                throw new InvalidDataException($"{path}: a row of table \"tag\" holds ({DanbooruDb.Show(reader.GetValue(0))}, {DanbooruDb.Show(reader.GetValue(1))}, {DanbooruDb.Show(reader.GetValue(2))}); danbooru2023 stores (integer id, text name, integer type)");
            if (type is < 0 or > 4)
                throw new InvalidDataException($"{path}: tag id {id} has type {type}; the danbooru2023 file stores 0-4 (general, artist, character, copyright, meta)");
            if (UnfitForCaption(name))
                throw new InvalidDataException($"{path}: tag id {id} is named {System.Text.Json.JsonSerializer.Serialize(name)}; a name with \"|||\" or a control character would break the caption format");
            byId[id] = new Tag(id, name, (TagType)type);
        }
        return new TagTable(byId);
    }

    // "|||" splits a caption into kept and shuffled parts, and a newline or NUL ends a caption line in
    // the exported .txt: such a name cannot survive export, so it is refused rather than passed on.
    private static bool UnfitForCaption(string name) => name.Contains("|||", StringComparison.Ordinal) || name.Any(char.IsControl);
}
