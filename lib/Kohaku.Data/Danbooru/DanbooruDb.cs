using Microsoft.Data.Sqlite;

namespace Kohaku.Data.Danbooru;

// Read-only access to a danbooru2023 SQLite file (any layout in SchemaVersion). Everything streams:
// posts come in ascending id order straight from the rowid b-tree, and tags are read one id window
// at a time through the posttagrelation(post_id) index, so the 0.25 B relation rows never sit in memory.
public sealed class DanbooruDb : IDisposable
{
    // An id window spans at most this many ids and this many wanted posts: large enough that a
    // dense selection costs two range queries per few thousand posts, small enough to stay in cache.
    private const long WindowSpan = 16_384;
    private const int WindowPosts = 4_096;
    // Without the post_id index every window scans the whole relation table; fine for a sample file only.
    private const long UnindexedPostLimit = 200_000;

    private readonly SqliteConnection _connection;
    private TagTable? _tags;

    private DanbooruDb(string path, SqliteConnection connection, DanbooruSchema schema)
    {
        Path = path;
        _connection = connection;
        Schema = schema;
    }

    public string Path { get; }
    public DanbooruSchema Schema { get; }
    public TagTable Tags => _tags ??= TagTable.Load(_connection, Path);
    internal SqliteConnection Connection => _connection;

    public static DanbooruDb Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"danbooru database not found: {full}", full);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA query_only = 1; PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456;");
            return new DanbooruDb(full, connection, DanbooruSchema.Detect(connection, full));
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new InvalidDataException($"{full}: not a readable SQLite database: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public long CountPosts(long start = 0, long? end = null)
    {
        using var cmd = RangeCommand("SELECT count(*)", "id", start, end, orderBy: null);
        return (long)cmd.ExecuteScalar()!;
    }

    public long MaxPostId()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT coalesce(max(id), 0) FROM post";
        return (long)cmd.ExecuteScalar()!;
    }

    // Ids in [start, end) ascending; end null = no upper bound.
    public IEnumerable<long> PostIds(long start = 0, long? end = null)
    {
        using var cmd = RangeCommand("SELECT id", "id", start, end, "id");
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) yield return reader.GetInt64(0);
    }

    public IEnumerable<Post> Posts(long start = 0, long? end = null)
    {
        using var cmd = RangeCommand(PostSelect, "id", start, end, "id");
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) yield return ReadPost(reader);
    }

    public TaggedPost? Find(long id) => TaggedPosts([id]).FirstOrDefault();

    // Ids of posts carrying the tag (any order, no duplicates for a well-formed file).
    public IEnumerable<long> PostIdsWithTag(Tag tag)
    {
        if (!Schema.HasRelation)
            throw new NotSupportedException($"{Path}: tag filters need table \"posttagrelation\" (this is a {Schema.Version} file)");
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT DISTINCT post_id FROM posttagrelation WHERE tag_id = $tag";
        cmd.Parameters.AddWithValue("$tag", tag.Id);
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) yield return reader.GetInt64(0);
    }

    // The posts of `ids` (ascending, unique) that exist, with their tags in posttagrelation.id order.
    public IEnumerable<TaggedPost> TaggedPosts(IReadOnlyList<long> ids)
    {
        for (var i = 1; i < ids.Count; i++)
            if (ids[i] <= ids[i - 1])
                throw new ArgumentException($"ids must be ascending and unique (index {i}: {ids[i]} after {ids[i - 1]})", nameof(ids));
        if (ids.Count == 0) yield break;
        var tags = Tags;
        var unindexed = Schema.HasRelation && !Schema.HasRelationPostIndex;
        if (unindexed && CountPosts() > UnindexedPostLimit)
            throw new InvalidOperationException(
                $"{Path}: posttagrelation has no index on post_id, so reading tags would scan all its rows for every window; " +
                "use the indexed danbooru2023.db or index a copy: CREATE INDEX posttagrelation_post_id ON posttagrelation (post_id)");
        var span = unindexed ? long.MaxValue : WindowSpan;
        var limit = unindexed ? int.MaxValue : WindowPosts;

        using var postCmd = WindowCommand(Schema.HasRelation ? PostSelect : PostSelect + ", tag_list", "post", "id", "id");
        using var relCmd = Schema.HasRelation ? WindowCommand("SELECT post_id, tag_id", "posttagrelation", "post_id", "post_id, id") : null;
        var window = new List<Post>(WindowPosts);
        var tagLists = new List<string?>(WindowPosts);
        var i0 = 0;
        while (i0 < ids.Count)
        {
            var lo = ids[i0];
            var j = i0;
            while (j < ids.Count && ids[j] - lo < span && j - i0 < limit) j++;
            var hi = ids[j - 1];

            window.Clear();
            tagLists.Clear();
            SetWindow(postCmd, lo, hi);
            using (var reader = postCmd.ExecuteReader())
            {
                var k = i0;
                while (reader.Read())
                {
                    var id = reader.GetInt64(0);
                    while (k < j && ids[k] < id) k++;
                    if (k == j || ids[k] != id) continue;
                    window.Add(ReadPost(reader));
                    if (relCmd is null) tagLists.Add(reader.IsDBNull(12) ? null : reader.GetString(12));
                }
            }

            if (relCmd is null)
            {
                for (var p = 0; p < window.Count; p++) yield return new TaggedPost(window[p], TagListCodec.Decode(tagLists[p], tags, Path, window[p].Id));
            }
            else
            {
                var grouped = new List<Tag>[window.Count];
                SetWindow(relCmd, lo, hi);
                using (var reader = relCmd.ExecuteReader())
                {
                    var p = 0;
                    while (reader.Read())
                    {
                        var postId = reader.GetInt64(0);
                        while (p < window.Count && window[p].Id < postId) p++;
                        if (p == window.Count) break;
                        if (window[p].Id != postId) continue;
                        (grouped[p] ??= new List<Tag>(32)).Add(tags[reader.GetInt64(1)]);
                    }
                }
                for (var p = 0; p < window.Count; p++) yield return new TaggedPost(window[p], (IReadOnlyList<Tag>?)grouped[p] ?? []);
            }
            i0 = j;
        }
    }

    public void Dispose() => _connection.Dispose();

    private const string PostSelect =
        "SELECT id, created_at, rating, score, fav_count, is_deleted, is_banned, file_ext, md5, file_url, image_width, image_height";

    private Post ReadPost(SqliteDataReader r)
    {
        var id = r.GetInt64(0);
        var rating = r.GetInt64(2);
        if (rating is < 0 or > 3)
            throw new InvalidDataException($"{Path}: post {id} has rating {rating}; the danbooru2023 file stores 0-3 (general, sensitive, questionable, explicit)");
        return new Post(id,
            r.IsDBNull(1) ? "" : r.GetString(1),
            (Rating)rating,
            r.GetInt32(3), r.GetInt32(4),
            r.GetInt64(5) != 0, r.GetInt64(6) != 0,
            r.IsDBNull(7) ? "" : r.GetString(7),
            r.IsDBNull(8) ? null : r.GetString(8),
            r.IsDBNull(9) ? null : r.GetString(9),
            r.GetInt32(10), r.GetInt32(11));
    }

    private SqliteCommand RangeCommand(string select, string column, long start, long? end, string? orderBy)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = $"{select} FROM post WHERE {column} >= $start{(end is null ? "" : $" AND {column} < $end")}{(orderBy is null ? "" : $" ORDER BY {orderBy}")}";
        cmd.Parameters.AddWithValue("$start", start);
        if (end is not null) cmd.Parameters.AddWithValue("$end", end.Value);
        return cmd;
    }

    private SqliteCommand WindowCommand(string select, string table, string column, string orderBy)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = $"{select} FROM {table} WHERE {column} >= $lo AND {column} <= $hi ORDER BY {orderBy}";
        cmd.Parameters.Add("$lo", SqliteType.Integer);
        cmd.Parameters.Add("$hi", SqliteType.Integer);
        cmd.Prepare();
        return cmd;
    }

    private static void SetWindow(SqliteCommand cmd, long lo, long hi)
    {
        cmd.Parameters["$lo"].Value = lo;
        cmd.Parameters["$hi"].Value = hi;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
