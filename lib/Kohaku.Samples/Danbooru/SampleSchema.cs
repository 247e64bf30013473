using Kohaku.Data.Danbooru;

namespace Kohaku.Samples;

// The DDL peewee 4.3 emits for HakuBooru's models (hakubooru.md §1.1), per layout version, so
// synthetic files are read by exactly the code paths the real danbooru2023.db goes through.
internal static class SampleSchema
{
    public static IEnumerable<string> Statements(SchemaVersion version)
    {
        var tagLists = version is SchemaVersion.V1TagList or SchemaVersion.V2;
        var urlNull = version is SchemaVersion.V3 or SchemaVersion.V31 ? "" : " NOT NULL";
        var post = new List<string>
        {
            "\"id\" INTEGER NOT NULL PRIMARY KEY", "\"created_at\" VARCHAR(255) NOT NULL", "\"uploader_id\" INTEGER NOT NULL",
            "\"source\" VARCHAR(255) NOT NULL", $"\"md5\" VARCHAR(255){urlNull}", "\"parent_id\" INTEGER", "\"has_children\" INTEGER NOT NULL",
            "\"is_deleted\" INTEGER NOT NULL", "\"is_banned\" INTEGER NOT NULL", "\"pixiv_id\" INTEGER", "\"has_active_children\" INTEGER NOT NULL",
            "\"bit_flags\" INTEGER NOT NULL", "\"has_large\" INTEGER NOT NULL", "\"has_visible_children\" INTEGER NOT NULL",
            "\"image_width\" INTEGER NOT NULL", "\"image_height\" INTEGER NOT NULL", "\"file_size\" INTEGER NOT NULL",
            "\"file_ext\" VARCHAR(255) NOT NULL", "\"rating\" INTEGER NOT NULL", "\"score\" INTEGER NOT NULL", "\"up_score\" INTEGER NOT NULL",
            "\"down_score\" INTEGER NOT NULL", "\"fav_count\" INTEGER NOT NULL", $"\"file_url\" VARCHAR(255){urlNull}",
            $"\"large_file_url\" VARCHAR(255){urlNull}", $"\"preview_file_url\" VARCHAR(255){urlNull}",
        };
        if (tagLists)
        {
            post.Add("\"tag_list\" TEXT NOT NULL");
            if (version == SchemaVersion.V1TagList)
                post.AddRange(TypeNames.Select(t => $"\"tag_list_{t}\" TEXT NOT NULL"));
            post.Add("\"tag_count\" INTEGER NOT NULL");
            post.AddRange(TypeNames.Select(t => $"\"tag_count_{t}\" INTEGER NOT NULL"));
        }
        if (version == SchemaVersion.V31) post.Add("\"updated_at\" VARCHAR(255) NOT NULL");

        yield return $"CREATE TABLE IF NOT EXISTS \"post\" ({string.Join(", ", post)})";
        yield return "CREATE TABLE IF NOT EXISTS \"tag\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"name\" VARCHAR(255) NOT NULL, \"type\" INTEGER NOT NULL, \"popularity\" INTEGER NOT NULL)";
        if (version != SchemaVersion.V1TagList)
            yield return "CREATE TABLE IF NOT EXISTS \"posttagrelation\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"post_id\" INTEGER NOT NULL, \"tag_id\" INTEGER NOT NULL, " +
                "FOREIGN KEY (\"post_id\") REFERENCES \"post\" (\"id\"), FOREIGN KEY (\"tag_id\") REFERENCES \"tag\" (\"id\"))";
        if (version is SchemaVersion.V3 or SchemaVersion.V31)
            yield return "CREATE TABLE IF NOT EXISTS \"localpost\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"filepath\" VARCHAR(255), \"latentpath\" VARCHAR(255), " +
                "\"post_id\" INTEGER NOT NULL, FOREIGN KEY (\"post_id\") REFERENCES \"post\" (\"id\"))";
    }

    // Built after the bulk insert: filling a b-tree once is several times faster than maintaining it per row.
    public static IEnumerable<string> Indexes(SchemaVersion version, bool indexRelation)
    {
        yield return "CREATE UNIQUE INDEX IF NOT EXISTS \"tag_name\" ON \"tag\" (\"name\")";
        if (version != SchemaVersion.V1TagList && indexRelation)
        {
            yield return "CREATE INDEX IF NOT EXISTS \"posttagrelation_post_id\" ON \"posttagrelation\" (\"post_id\")";
            yield return "CREATE INDEX IF NOT EXISTS \"posttagrelation_tag_id\" ON \"posttagrelation\" (\"tag_id\")";
        }
        if (version is SchemaVersion.V3 or SchemaVersion.V31)
            yield return "CREATE INDEX IF NOT EXISTS \"localpost_post_id\" ON \"localpost\" (\"post_id\")";
    }

    public static readonly string[] TypeNames = ["general", "artist", "character", "copyright", "meta"];
}
