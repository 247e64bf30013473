using Microsoft.Data.Sqlite;

namespace Kohaku.Data.Danbooru;

// What an opened file holds, read from sqlite_master and table_info at open, so a wrong or
// truncated file fails at once with the table or column it lacks instead of mid-run.
public sealed record DanbooruSchema(
    SchemaVersion Version,
    IReadOnlySet<string> PostColumns,
    bool HasRelation,
    bool HasRelationPostIndex,
    bool HasRelationTagIndex)
{
    public static readonly string[] RequiredPostColumns =
        ["id", "created_at", "rating", "score", "fav_count", "is_deleted", "is_banned", "file_ext", "md5", "file_url", "image_width", "image_height"];

    public static readonly string[] RequiredTagColumns = ["id", "name", "type"];
    public static readonly string[] RequiredRelationColumns = ["id", "post_id", "tag_id"];

    public static DanbooruSchema Detect(SqliteConnection connection, string path)
    {
        var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')";
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }
        foreach (var table in new[] { "post", "tag" })
            if (!tables.Contains(table))
                throw new InvalidDataException($"{path}: not a danbooru2023 database: table \"{table}\" is missing (tables: {Describe(tables)})");

        var post = Columns(connection, "post");
        RequireColumns(path, "post", post, RequiredPostColumns);
        RequireColumns(path, "tag", Columns(connection, "tag"), RequiredTagColumns);

        var hasRelation = tables.Contains("posttagrelation");
        if (hasRelation)
            RequireColumns(path, "posttagrelation", Columns(connection, "posttagrelation"), RequiredRelationColumns);
        else if (!post.Contains("tag_list"))
            throw new InvalidDataException($"{path}: not a danbooru2023 database: table \"posttagrelation\" is missing and table \"post\" has no column \"tag_list\", so posts have no tags");

        var version = !hasRelation ? SchemaVersion.V1TagList
            : post.Contains("tag_list") ? SchemaVersion.V2
            : post.Contains("updated_at") ? SchemaVersion.V31
            : SchemaVersion.V3;
        return new DanbooruSchema(version, post,
            hasRelation,
            hasRelation && HasIndexLeadingWith(connection, "posttagrelation", "post_id"),
            hasRelation && HasIndexLeadingWith(connection, "posttagrelation", "tag_id"));
    }

    private static void RequireColumns(string path, string table, IReadOnlySet<string> have, string[] required)
    {
        var missing = required.Where(c => !have.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{path}: not a danbooru2023 database: table \"{table}\" has no column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(c => $"\"{c}\""))}");
    }

    private static HashSet<string> Columns(SqliteConnection connection, string table)
    {
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"PRAGMA table_info(\"{table}\")";
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) columns.Add(reader.GetString(1));
        return columns;
    }

    private static bool HasIndexLeadingWith(SqliteConnection connection, string table, string column)
    {
        var indexes = new List<string>();
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = $"PRAGMA index_list(\"{table}\")";
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) indexes.Add(reader.GetString(1));
        }
        foreach (var index in indexes)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = $"PRAGMA index_info(\"{index}\")";
            using var reader = cmd.ExecuteReader();
            if (reader.Read() && reader.GetInt64(0) == 0 && string.Equals(reader.GetString(2), column, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    private static string Describe(IEnumerable<string> tables) =>
        tables.Any() ? string.Join(", ", tables.Order(StringComparer.Ordinal)) : "none";
}
