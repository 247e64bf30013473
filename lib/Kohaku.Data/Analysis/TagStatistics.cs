using Kohaku.Data.Danbooru;
using Microsoft.Data.Analysis;

namespace Kohaku.Data.Analysis;

// Tag usage for notebook 02, counted in SQL over posttagrelation (on the real file: one pass over
// 0.25 B rows through the tag_id index, about a minute).
public static class TagStatistics
{
    public static DataFrame TopTags(DanbooruDb db, TagType type, int top = 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        db.RequireRelation("tag statistics");
        using var cmd = db.Connection.CreateCommand();
        cmd.CommandText = "SELECT t.name, count(*) AS n FROM posttagrelation r JOIN tag t ON t.id = r.tag_id WHERE t.type = $type GROUP BY r.tag_id ORDER BY n DESC, t.name LIMIT $top";
        cmd.Parameters.AddWithValue("$type", (int)type);
        cmd.Parameters.AddWithValue("$top", top);
        var names = new List<string>();
        var counts = new List<long>();
        using (var reader = cmd.ExecuteReader())
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
                counts.Add(reader.GetInt64(1));
            }
        return new DataFrame(new StringDataFrameColumn("tag", names), new Int64DataFrameColumn("posts", counts));
    }

    // Posts by number of tags (posts without any tag are not in the relation table and not counted).
    public static DataFrame TagCountHistogram(DanbooruDb db)
    {
        db.RequireRelation("tag statistics");
        using var cmd = db.Connection.CreateCommand();
        cmd.CommandText = "SELECT c, count(*) FROM (SELECT count(*) AS c FROM posttagrelation GROUP BY post_id) GROUP BY c ORDER BY c";
        var tags = new List<int>();
        var posts = new List<long>();
        using (var reader = cmd.ExecuteReader())
            while (reader.Read())
            {
                tags.Add(reader.GetInt32(0));
                posts.Add(reader.GetInt64(1));
            }
        return new DataFrame(new Int32DataFrameColumn("tags", tags), new Int64DataFrameColumn("posts", posts));
    }
}
