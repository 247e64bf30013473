using Kohaku.Data.Danbooru;
using Kohaku.Samples;
using Kohaku.Data.Tests.Sample;
using Microsoft.Data.Sqlite;

namespace Kohaku.Data.Tests.Danbooru;

public class DanbooruDbTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Fact]
    public void Open_GeneratedFile_DetectsV31WithIndexes()
    {
        using var db = fixture.Open();
        Assert.Equal(SchemaVersion.V31, db.Schema.Version);
        Assert.True(db.Schema.HasRelationPostIndex);
        Assert.True(db.Schema.HasRelationTagIndex);
        Assert.Equal(600, db.CountPosts());
    }

    [Fact]
    public void Open_MissingFile_ThrowsNamingPath()
    {
        var path = Path.Combine(fixture.Dir, "nope.db");
        var e = Assert.Throws<FileNotFoundException>(() => DanbooruDb.Open(path));
        Assert.Contains("nope.db", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Open_NotSqlite_ThrowsNamingFile()
    {
        var path = Path.Combine(fixture.Dir, "text.db");
        File.WriteAllText(path, "this is not a database, just text long enough to fill a header......................................................");
        var e = Assert.Throws<InvalidDataException>(() => DanbooruDb.Open(path));
        Assert.Contains("text.db", e.Message);
    }

    [Fact]
    public void Open_MissingTagTable_ThrowsNamingTable()
    {
        var path = MakeDb("notag.db", "CREATE TABLE post (id INTEGER PRIMARY KEY)");
        var e = Assert.Throws<InvalidDataException>(() => DanbooruDb.Open(path));
        Assert.Contains("table \"tag\" is missing", e.Message);
        Assert.Contains("notag.db", e.Message);
    }

    [Fact]
    public void Open_PostWithoutFavCount_ThrowsNamingColumn()
    {
        var path = MakeDb("nofav.db",
            "CREATE TABLE post (id INTEGER PRIMARY KEY, created_at TEXT, rating INT, score INT, is_deleted INT, is_banned INT, file_ext TEXT, md5 TEXT, file_url TEXT, image_width INT, image_height INT)",
            "CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT, type INT)",
            "CREATE TABLE posttagrelation (id INTEGER PRIMARY KEY, post_id INT, tag_id INT)");
        var e = Assert.Throws<InvalidDataException>(() => DanbooruDb.Open(path));
        Assert.Contains("table \"post\" has no column \"fav_count\"", e.Message);
    }

    [Fact]
    public void Open_RelationWithoutTagId_ThrowsNamingColumn()
    {
        var path = MakeDb("norel.db",
            "CREATE TABLE post (id INTEGER PRIMARY KEY, created_at TEXT, rating INT, score INT, fav_count INT, is_deleted INT, is_banned INT, file_ext TEXT, md5 TEXT, file_url TEXT, image_width INT, image_height INT)",
            "CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT, type INT)",
            "CREATE TABLE posttagrelation (id INTEGER PRIMARY KEY, post_id INT)");
        var e = Assert.Throws<InvalidDataException>(() => DanbooruDb.Open(path));
        Assert.Contains("table \"posttagrelation\" has no column \"tag_id\"", e.Message);
    }

    [Fact]
    public void Open_NoRelationNoTagList_ThrowsNamingBoth()
    {
        var path = MakeDb("notags.db",
            "CREATE TABLE post (id INTEGER PRIMARY KEY, created_at TEXT, rating INT, score INT, fav_count INT, is_deleted INT, is_banned INT, file_ext TEXT, md5 TEXT, file_url TEXT, image_width INT, image_height INT)",
            "CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT, type INT)");
        var e = Assert.Throws<InvalidDataException>(() => DanbooruDb.Open(path));
        Assert.Contains("\"posttagrelation\" is missing", e.Message);
        Assert.Contains("\"tag_list\"", e.Message);
    }

    [Fact]
    public void Open_ReadsWithoutModifyingFile()
    {
        var path = fixture.Make("readonly.db", new SampleDbOptions(50, Seed: 9));
        var before = File.ReadAllBytes(path);
        var stamp = File.GetLastWriteTimeUtc(path);
        using (var db = DanbooruDb.Open(path))
        {
            _ = db.TaggedPosts(db.PostIds().ToList()).Count();
            using var cmd = db.Connection.CreateCommand();
            cmd.CommandText = "DELETE FROM post";
            Assert.Throws<SqliteException>(() => cmd.ExecuteNonQuery());
        }
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void TaggedPosts_Tags_ComeInRelationIdOrder()
    {
        using var db = fixture.Open();
        var ids = db.PostIds().ToList();
        var expected = new Dictionary<long, List<long>>();
        using (var cmd = db.Connection.CreateCommand())
        {
            cmd.CommandText = "SELECT post_id, tag_id FROM posttagrelation ORDER BY id";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                var post = reader.GetInt64(0);
                if (!expected.TryGetValue(post, out var list)) expected[post] = list = [];
                list.Add(reader.GetInt64(1));
            }
        }
        var posts = db.TaggedPosts(ids).ToList();
        Assert.Equal(ids, posts.Select(p => p.Post.Id));
        foreach (var p in posts) Assert.Equal(expected[p.Post.Id], p.Tags.Select(t => t.Id));
    }

    [Fact]
    public void TaggedPosts_SubsetAndMissingIds_ReturnsOnlyExistingInOrder()
    {
        using var db = fixture.Open();
        var all = db.PostIds().ToList();
        var wanted = new List<long> { all[3], all[3] + 1, all[100], all[599], 9_999_999 };
        wanted = wanted.Distinct().Order().ToList();
        var got = db.TaggedPosts(wanted).Select(p => p.Post.Id).ToList();
        Assert.Equal(new[] { all[3], all[100], all[599] }.Where(i => wanted.Contains(i)), got);
    }

    [Fact]
    public void MapPosts_ThreeReaders_SameOrderAndTagsAsSequential()
    {
        using var db = fixture.Open();
        var ids = db.PostIds().Where((_, i) => i % 3 != 1).ToList();
        var sequential = db.TaggedPosts(ids).Select(p => (p.Post.Id, string.Join(" ", p.Tags.Select(t => t.Name)))).ToList();
        var parallel = db.MapPosts(ids, p => (p.Post.Id, string.Join(" ", p.Tags.Select(t => t.Name))), readers: 3).ToList();
        Assert.Equal(sequential, parallel);
        Assert.Equal(400, parallel.Count);
    }

    [Fact]
    public void TaggedPosts_UnsortedIds_Throws()
    {
        using var db = fixture.Open();
        Assert.Throws<ArgumentException>(() => db.TaggedPosts([5, 3]).ToList());
    }

    [Theory]
    [InlineData(SchemaVersion.V1TagList)]
    [InlineData(SchemaVersion.V2)]
    [InlineData(SchemaVersion.V3)]
    public void TaggedPosts_OlderLayouts_ReadSameTagsAsV31(SchemaVersion version)
    {
        var options = new SampleDbOptions(120, Seed: 5);
        using var current = DanbooruDb.Open(fixture.Make("v31-120.db", options));
        using var old = DanbooruDb.Open(fixture.Make($"{version}-120.db", options with { Schema = version }));
        Assert.Equal(version, old.Schema.Version);
        var ids = current.PostIds().ToList();
        var a = current.TaggedPosts(ids).ToList();
        var b = old.TaggedPosts(ids).ToList();
        Assert.Equal(a.Select(p => p.Post.Id), b.Select(p => p.Post.Id));
        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Tags.Select(t => t.Name), b[i].Tags.Select(t => t.Name));
            Assert.Equal(a[i].Post.FavCount, b[i].Post.FavCount);
            Assert.Equal(a[i].Post.CreatedAt, b[i].Post.CreatedAt);
        }
    }

    [Fact]
    public void TaggedPosts_UnindexedSmallFile_StillReads()
    {
        var path = fixture.Make("noindex.db", new SampleDbOptions(80, Seed: 2, IndexRelation: false));
        using var db = DanbooruDb.Open(path);
        Assert.False(db.Schema.HasRelationPostIndex);
        var posts = db.TaggedPosts(db.PostIds().ToList()).ToList();
        Assert.Equal(80, posts.Count);
        using var indexed = DanbooruDb.Open(fixture.Make("indexed-80.db", new SampleDbOptions(80, Seed: 2)));
        Assert.Equal(
            indexed.TaggedPosts(indexed.PostIds().ToList()).Select(p => string.Join(" ", p.Tags.Select(t => t.Name))),
            posts.Select(p => string.Join(" ", p.Tags.Select(t => t.Name))));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TaggedPosts_InterleavedRelationRows_ComeInRelationIdOrder(bool indexed)
    {
        // Rows of 40 posts interleaved, each post's tag ids in a scrambled order: only relation-id
        // order (not post-then-tag-id order, not insertion per post) gives the expected lists.
        var statements = new List<string>
        {
            "CREATE TABLE post (id INTEGER PRIMARY KEY, created_at TEXT, rating INT, score INT, fav_count INT, is_deleted INT, is_banned INT, file_ext TEXT, md5 TEXT, file_url TEXT, image_width INT, image_height INT)",
            "CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT, type INT)",
            "CREATE TABLE posttagrelation (id INTEGER PRIMARY KEY, post_id INT, tag_id INT)",
        };
        if (indexed) statements.Add("CREATE INDEX posttagrelation_post_id ON posttagrelation (post_id)");
        for (var t = 1; t <= 97; t++) statements.Add($"INSERT INTO tag VALUES ({t}, 't{t}', 0)");
        var expected = new Dictionary<int, List<string>>();
        for (var p = 1; p <= 40; p++)
        {
            statements.Add($"INSERT INTO post VALUES ({p}, '2020-01-01T00:00:00.000-05:00', 0, 1, 1, 0, 0, 'png', 'x', 'y', 10, 10)");
            expected[p] = [];
        }
        for (var k = 0; k < 20; k++)
            for (var p = 40; p >= 1; p--)
            {
                var tag = (p * 31 + k * 57) % 97 + 1;
                statements.Add($"INSERT INTO posttagrelation (post_id, tag_id) VALUES ({p}, {tag})");
                expected[p].Add($"t{tag}");
            }
        var path = MakeDb($"interleaved-{indexed}.db", [.. statements]);
        using var db = DanbooruDb.Open(path);
        Assert.Equal(indexed, db.Schema.HasRelationPostIndex);
        var ids = Enumerable.Range(1, 40).Select(i => (long)i).ToList();
        foreach (var post in db.TaggedPosts(ids)) Assert.Equal(expected[(int)post.Post.Id], post.Tags.Select(t => t.Name));
        foreach (var (id, names) in db.MapPosts(ids, p => (p.Post.Id, p.Tags.Select(t => t.Name).ToList()), readers: 2))
            Assert.Equal(expected[(int)id], names);
    }

    [Fact]
    public void TaggedPosts_RelationToMissingTag_SkipsItLikeAnInnerJoin()
    {
        var path = MakeDb("orphan.db",
            "CREATE TABLE post (id INTEGER PRIMARY KEY, created_at TEXT, rating INT, score INT, fav_count INT, is_deleted INT, is_banned INT, file_ext TEXT, md5 TEXT, file_url TEXT, image_width INT, image_height INT)",
            "CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT, type INT)",
            "CREATE TABLE posttagrelation (id INTEGER PRIMARY KEY, post_id INT, tag_id INT)",
            "CREATE INDEX posttagrelation_post_id ON posttagrelation (post_id)",
            "INSERT INTO post VALUES (42, '2020-01-01T00:00:00.000-05:00', 0, 1, 1, 0, 0, 'png', 'x', 'y', 10, 10)",
            "INSERT INTO tag VALUES (1, 'solo', 0), (2, 'highres', 4)",
            "INSERT INTO posttagrelation (post_id, tag_id) VALUES (42, 2), (42, 99), (42, 1)");
        using var db = DanbooruDb.Open(path);
        Assert.Equal(["highres", "solo"], db.Find(42)!.Tags.Select(t => t.Name));
    }

    [Fact]
    public void Posts_BadRating_ThrowsNamingPost()
    {
        var path = MakeDb("badrating.db",
            "CREATE TABLE post (id INTEGER PRIMARY KEY, created_at TEXT, rating INT, score INT, fav_count INT, is_deleted INT, is_banned INT, file_ext TEXT, md5 TEXT, file_url TEXT, image_width INT, image_height INT)",
            "CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT, type INT)",
            "CREATE TABLE posttagrelation (id INTEGER PRIMARY KEY, post_id INT, tag_id INT)",
            "INSERT INTO post VALUES (42, '2020-01-01T00:00:00.000-05:00', 7, 1, 1, 0, 0, 'png', 'x', 'y', 10, 10)");
        using var db = DanbooruDb.Open(path);
        var e = Assert.Throws<InvalidDataException>(() => db.Posts().ToList());
        Assert.Contains("post 42 has rating 7", e.Message);
    }

    // A value SQLite accepted into a danbooru2023 column that the file never stores there: one message
    // naming the file, the post and the column, from the sequential and the parallel reader alike.
    [Theory]
    [InlineData("fav_count", "'many'", "column fav_count holds the text 'many'")]
    [InlineData("fav_count", "4294967296", "column fav_count holds 4294967296; danbooru2023 stores a 32-bit integer")]
    [InlineData("score", "NULL", "column score holds NULL")]
    [InlineData("image_width", "x'00ff'", "column image_width holds a 2-byte blob")]
    [InlineData("is_deleted", "2.5", "column is_deleted holds 2.5")]
    public void Posts_ValueOfTheWrongKind_ThrowsNamingFilePostAndColumn(string column, string value, string expected)
    {
        var path = MakeDb($"bad-{column}.db",
            "CREATE TABLE post (id INTEGER PRIMARY KEY, created_at TEXT, rating INT, score INT, fav_count INT, is_deleted INT, is_banned INT, file_ext TEXT, md5 TEXT, file_url TEXT, image_width INT, image_height INT)",
            "CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT, type INT)",
            "CREATE TABLE posttagrelation (id INTEGER PRIMARY KEY, post_id INT, tag_id INT)",
            "INSERT INTO post VALUES (41, '2020-01-01T00:00:00.000-05:00', 0, 1, 1, 0, 0, 'png', 'x', 'y', 10, 10)",
            "INSERT INTO post VALUES (42, '2020-01-01T00:00:00.000-05:00', 0, 1, 1, 0, 0, 'png', 'x', 'y', 10, 10)",
            $"UPDATE post SET {column} = {value} WHERE id = 42");
        using var db = DanbooruDb.Open(path);

        var sequential = Assert.Throws<InvalidDataException>(() => db.Posts().ToList());
        var parallel = Assert.ThrowsAny<Exception>(() => db.MapPosts([41, 42], p => p.Post.Id, readers: 2).ToList());

        foreach (var e in new[] { sequential, parallel is AggregateException a ? a.Flatten().InnerExceptions[0] : parallel })
        {
            Assert.IsType<InvalidDataException>(e);
            Assert.StartsWith($"{path}: post 42: {expected}", e.Message);
        }
    }

    [Theory]
    [InlineData("'a|||b'", "\"a|||b\"")]
    [InlineData("'a' || char(10) || 'b'", "\"a\\nb\"")]
    [InlineData("'a' || char(0) || 'b'", "\"a\\u0000b\"")]
    public void Open_TagNameThatBreaksCaptions_ThrowsNamingTag(string name, string shown)
    {
        var path = MakeDb("badtag.db",
            "CREATE TABLE post (id INTEGER PRIMARY KEY, created_at TEXT, rating INT, score INT, fav_count INT, is_deleted INT, is_banned INT, file_ext TEXT, md5 TEXT, file_url TEXT, image_width INT, image_height INT)",
            "CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT, type INT)",
            "CREATE TABLE posttagrelation (id INTEGER PRIMARY KEY, post_id INT, tag_id INT)",
            $"INSERT INTO tag VALUES (1, 'solo', 0), (5, {name}, 0)");

        var e = Assert.Throws<InvalidDataException>(() => { using var db = DanbooruDb.Open(path); _ = db.Tags.Count; });

        Assert.Equal($"{path}: tag id 5 is named {shown}; a name with \"|||\" or a control character would break the caption format", e.Message);
    }

    private string MakeDb(string name, params string[] statements)
    {
        var path = Path.Combine(fixture.Dir, name);
        if (File.Exists(path)) File.Delete(path);
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var tx = c.BeginTransaction();
        foreach (var s in statements)
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = s;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
        return path;
    }
}
