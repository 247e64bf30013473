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
        SqliteConnection? connection = null;
        try
        {
            connection = OpenConnection(full);
            return new DanbooruDb(full, connection, DanbooruSchema.Detect(connection, full));
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            throw new InvalidDataException($"{full}: not a readable SQLite database: {e.Message}", e);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    // Mode=ReadOnly: the user's file is never written, not even a journal.
    private static SqliteConnection OpenConnection(string full)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            // Per connection, and a caption run opens one per core: 32 MiB of page cache plus a 128 MiB
            // map keep four readers well inside the 1.5 GB budget.
            Execute(connection, "PRAGMA query_only = 1; PRAGMA cache_size = -32768; PRAGMA mmap_size = 134217728;");
            return connection;
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
        while (reader.Read()) yield return ReadPost(reader, Path);
    }

    public TaggedPost? Find(long id) => TaggedPosts([id]).FirstOrDefault();

    // Ids of posts carrying the tag (any order, no duplicates for a well-formed file).
    public IEnumerable<long> PostIdsWithTag(Tag tag)
    {
        RequireRelation("tag filters");
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT DISTINCT post_id FROM posttagrelation WHERE tag_id = $tag";
        cmd.Parameters.AddWithValue("$tag", tag.Id);
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) yield return reader.GetInt64(0);
    }

    // The posts of `ids` (ascending, unique) that exist, with their tags in posttagrelation.id order.
    public IEnumerable<TaggedPost> TaggedPosts(IReadOnlyList<long> ids) => MapPosts(ids, p => p, readers: 1);

    // `map` applied to each existing post of `ids` (ascending, unique), results in ascending id
    // order. With readers > 1, that many read-only connections read consecutive id windows and run
    // `map` in parallel (so `map` must be thread-safe), which is how captioning keeps every core busy.
    public IEnumerable<T> MapPosts<T>(IReadOnlyList<long> ids, Func<TaggedPost, T> map, int readers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(readers, 1);
        for (var i = 1; i < ids.Count; i++)
            if (ids[i] <= ids[i - 1])
                throw new ArgumentException($"ids must be ascending and unique (index {i}: {ids[i]} after {ids[i - 1]})", nameof(ids));
        return ids.Count == 0 ? [] : ReadWindows(ids, map, readers);
    }

    private IEnumerable<T> ReadWindows<T>(IReadOnlyList<long> ids, Func<TaggedPost, T> map, int readers)
    {
        _ = Tags;
        var unindexed = Schema.HasRelation && !Schema.HasRelationPostIndex;
        if (unindexed && CountPosts() > UnindexedPostLimit)
            throw new InvalidOperationException(
                $"{Path}: posttagrelation has no index on post_id, so reading tags would scan all its rows for every window; " +
                "use the indexed danbooru2023.db or index a copy: CREATE INDEX posttagrelation_post_id ON posttagrelation (post_id)");
        var windows = Windows(ids, unindexed ? long.MaxValue : WindowSpan, unindexed ? int.MaxValue : WindowPosts);

        if (readers == 1 || windows.Count == 1)
        {
            using var reader = new TagWindowReader(this, _connection);
            foreach (var (start, end) in windows)
                foreach (var post in reader.Read(ids, start, end)) yield return map(post);
            yield break;
        }

        var connections = new List<SqliteConnection>();
        var windowReaders = new List<TagWindowReader>();
        try
        {
            for (var r = 0; r < readers; r++)
            {
                var connection = r == 0 ? _connection : OpenConnection(Path);
                if (r > 0) connections.Add(connection);
                windowReaders.Add(new TagWindowReader(this, connection));
            }
            // Fork/join over batches of a few windows per reader; each batch is emitted in id order.
            var batch = readers * 4;
            for (var w0 = 0; w0 < windows.Count; w0 += batch)
            {
                var count = Math.Min(batch, windows.Count - w0);
                var results = new List<T>[count];
                Parallel.For(0, readers, new ParallelOptions { MaxDegreeOfParallelism = readers }, r =>
                {
                    for (var k = r; k < count; k += readers)
                        results[k] = windowReaders[r].Read(ids, windows[w0 + k].Start, windows[w0 + k].End).ConvertAll(p => map(p));
                });
                foreach (var list in results)
                    foreach (var item in list) yield return item;
            }
        }
        finally
        {
            foreach (var r in windowReaders) r.Dispose();
            foreach (var c in connections) c.Dispose();
        }
    }

    // [start, end) index runs of `ids`, each within `span` ids and at most `limit` posts.
    private static List<(int Start, int End)> Windows(IReadOnlyList<long> ids, long span, int limit)
    {
        var windows = new List<(int, int)>();
        var i0 = 0;
        while (i0 < ids.Count)
        {
            var j = i0;
            while (j < ids.Count && ids[j] - ids[i0] < span && j - i0 < limit) j++;
            windows.Add((i0, j));
            i0 = j;
        }
        return windows;
    }

    public void Dispose() => _connection.Dispose();

    // Tag queries need posttagrelation; a tag_list-only file says so, naming what asked.
    internal void RequireRelation(string what)
    {
        if (!Schema.HasRelation)
            throw new NotSupportedException($"{Path}: {what} need table \"posttagrelation\" (this is a {Schema.Version} file)");
    }

    // ReadPost reads by position, in the order of the required columns.
    internal static readonly string PostSelect = "SELECT " + string.Join(", ", DanbooruSchema.RequiredPostColumns);

    // (rating, fav_count) of every post with a danbooru2023 rating (0-3), in file order: the one scan
    // behind the per-rating percentiles, for captions and for the analysis tables alike.
    internal IEnumerable<(Rating Rating, int Fav)> RatingFavCounts()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT id, rating, fav_count FROM post";
        using var reader = cmd.ExecuteReader();
        var row = new PostRow(reader, Path);
        while (reader.Read())
        {
            var rating = row.Integer(1, "rating");
            if (rating is >= 0 and <= 3) yield return ((Rating)rating, row.Int32(2, "fav_count"));
        }
    }

    internal static Post ReadPost(SqliteDataReader r, string path)
    {
        var row = new PostRow(r, path);
        var rating = row.Integer(2, "rating");
        if (rating is < 0 or > 3)
            throw new InvalidDataException($"{path}: post {row.Id} has rating {rating}; the danbooru2023 file stores 0-3 (general, sensitive, questionable, explicit)");
        return new Post(row.Id,
            row.Text(1, "created_at") ?? "",
            (Rating)rating,
            row.Int32(3, "score"), row.Int32(4, "fav_count"),
            row.Integer(5, "is_deleted") != 0, row.Integer(6, "is_banned") != 0,
            row.Text(7, "file_ext") ?? "",
            row.Text(8, "md5"),
            row.Text(9, "file_url"),
            row.Int32(10, "image_width"), row.Int32(11, "image_height"));
    }

    // SQLite keeps whatever a writer stored, whatever the declared column type: a text 'many' in
    // fav_count would read as 0 and a NULL would throw without naming the post. Every value is checked
    // against the type danbooru2023 stores, and a wrong one names the file, post and column.
    private readonly struct PostRow(SqliteDataReader reader, string path)
    {
        public long Id => reader.GetValue(0) is long id ? id : throw new InvalidDataException($"{path}: a post row has id {Show(reader.GetValue(0))}; danbooru2023 ids are integers");

        public long Integer(int ordinal, string column) => reader.GetValue(ordinal) switch
        {
            long v => v,
            double d when d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
            var v => throw Bad(column, v, "an integer"),
        };

        public int Int32(int ordinal, string column)
        {
            var v = Integer(ordinal, column);
            return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw Bad(column, v, "a 32-bit integer");
        }

        // Nullable text columns (md5, file_url) read as null; a number where text belongs reads as its digits, as Python's str() would.
        public string? Text(int ordinal, string column) => reader.GetValue(ordinal) switch
        {
            DBNull => null,
            string s => s,
            long or double => reader.GetString(ordinal),
            var v => throw Bad(column, v, "text"),
        };

        private InvalidDataException Bad(string column, object value, string expected) =>
            new($"{path}: post {Id}: column {column} holds {Show(value)}; danbooru2023 stores {expected} there");
    }

    // A stored SQLite value as an error message shows it: NULL, a quoted (shortened) text, a blob's size.
    internal static string Show(object value) => value switch
    {
        DBNull => "NULL",
        string s => $"the text '{(s.Length > 40 ? s[..40] + "…" : s)}'",
        byte[] b => $"a {b.Length}-byte blob",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
    };

    private SqliteCommand RangeCommand(string select, string column, long start, long? end, string? orderBy)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = $"{select} FROM post WHERE {column} >= $start{(end is null ? "" : $" AND {column} < $end")}{(orderBy is null ? "" : $" ORDER BY {orderBy}")}";
        cmd.Parameters.AddWithValue("$start", start);
        if (end is not null) cmd.Parameters.AddWithValue("$end", end.Value);
        return cmd;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
