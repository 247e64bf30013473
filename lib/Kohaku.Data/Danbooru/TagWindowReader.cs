using Microsoft.Data.Sqlite;

namespace Kohaku.Data.Danbooru;

// Reads one id window: the wanted posts by rowid range, then their tags through the
// posttagrelation(post_id) index, on one connection with two prepared statements.
internal sealed class TagWindowReader : IDisposable
{
    private readonly DanbooruDb _db;
    private readonly TagTable _tags;
    private readonly SqliteCommand _posts;
    private readonly SqliteCommand? _relations;

    public TagWindowReader(DanbooruDb db, SqliteConnection connection)
    {
        _db = db;
        _tags = db.Tags;
        var hasRelation = db.Schema.HasRelation;
        _posts = Prepare(connection, $"{DanbooruDb.PostSelect}{(hasRelation ? "" : ", tag_list")} FROM post WHERE id >= $lo AND id <= $hi ORDER BY id");
        // One row per post instead of one per pair (30x fewer rows through the managed reader).
        // group_concat follows the scan order, which is the index order (post_id, rowid), i.e.
        // relation-id order; an explicit "ORDER BY id" inside the aggregate costs 2x for the same result.
        _relations = hasRelation
            ? Prepare(connection, "SELECT post_id, group_concat(tag_id) FROM posttagrelation WHERE post_id >= $lo AND post_id <= $hi GROUP BY post_id ORDER BY post_id")
            : null;
    }

    public List<TaggedPost> Read(IReadOnlyList<long> ids, int start, int end)
    {
        long lo = ids[start], hi = ids[end - 1];
        var posts = new List<Post>(end - start);
        var tagLists = _relations is null ? new List<string?>(end - start) : null;
        Bind(_posts, lo, hi);
        using (var reader = _posts.ExecuteReader())
        {
            var k = start;
            while (reader.Read())
            {
                var id = reader.GetInt64(0);
                while (k < end && ids[k] < id) k++;
                if (k == end || ids[k] != id) continue;
                posts.Add(DanbooruDb.ReadPost(reader, _db.Path));
                tagLists?.Add(reader.IsDBNull(12) ? null : reader.GetString(12));
            }
        }

        var result = new List<TaggedPost>(posts.Count);
        if (_relations is null)
        {
            for (var p = 0; p < posts.Count; p++) result.Add(new TaggedPost(posts[p], TagListCodec.Decode(tagLists![p], _tags, _db.Path, posts[p].Id)));
            return result;
        }
        var grouped = new Tag[]?[posts.Count];
        Bind(_relations, lo, hi);
        using (var reader = _relations.ExecuteReader())
        {
            var p = 0;
            while (reader.Read())
            {
                var postId = reader.GetInt64(0);
                while (p < posts.Count && posts[p].Id < postId) p++;
                if (p == posts.Count) break;
                if (posts[p].Id == postId) grouped[p] = ParseTagIds(reader.GetString(1), postId);
            }
        }
        for (var p = 0; p < posts.Count; p++) result.Add(new TaggedPost(posts[p], (IReadOnlyList<Tag>?)grouped[p] ?? []));
        return result;
    }

    public void Dispose()
    {
        _posts.Dispose();
        _relations?.Dispose();
    }

    // A relation row whose tag is not in the tag table is skipped, as HakuBooru's inner join does.
    private Tag[] ParseTagIds(string list, long postId)
    {
        var count = 1;
        foreach (var c in list) if (c == ',') count++;
        var result = new Tag[count];
        long id = 0;
        var k = 0;
        foreach (var c in list)
        {
            if (c is >= '0' and <= '9') { id = id * 10 + (c - '0'); continue; }
            if (c != ',')
                throw new InvalidDataException($"{_db.Path}: post {postId}: table posttagrelation holds a tag_id that is not an integer (its tag ids read \"{(list.Length > 60 ? list[..60] + "…" : list)}\")");
            if (_tags.TryGet(id, out var tag)) result[k++] = tag;
            id = 0;
        }
        if (_tags.TryGet(id, out var last)) result[k++] = last;
        if (k < count) Array.Resize(ref result, k);
        return result;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.Add("$lo", SqliteType.Integer);
        cmd.Parameters.Add("$hi", SqliteType.Integer);
        cmd.Prepare();
        return cmd;
    }

    private static void Bind(SqliteCommand cmd, long lo, long hi)
    {
        cmd.Parameters["$lo"].Value = lo;
        cmd.Parameters["$hi"].Value = hi;
    }
}
