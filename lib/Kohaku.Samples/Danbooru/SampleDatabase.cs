using Kohaku.Data;
using System.Globalization;
using System.Text;
using Kohaku.Data.Danbooru;
using Kohaku.Data.IO;
using Microsoft.Data.Sqlite;

namespace Kohaku.Samples;

// Deterministic synthetic danbooru2023 files in the exact schema: a realistic rating mix, fav_count
// spread like HakuBooru's percentile table (log-normal around its per-rating medians), emoticon and
// parenthesised tags, meta tags, deleted / banned / gold-only / gif-mp4 posts, timestamps in their
// own offsets. The same options always give the same rows (CPython MT19937 drives every choice).
public static class SampleDatabase
{
    private const int RelationBatch = 1_000;

    // Per-rating medians of HakuBooru's fav_count table (general 8, sensitive 15, questionable 38, explicit 52).
    private static readonly double[] FavMedian = [8, 15, 38, 52];
    private static readonly double[] RatingShare = [0.38, 0.32, 0.15, 0.15];
    private static readonly (string Ext, double Share)[] Extensions =
        [("jpg", 0.57), ("png", 0.36), ("gif", 0.03), ("mp4", 0.02), ("webm", 0.01), ("zip", 0.005), ("swf", 0.005)];
    private static readonly (double W, double H, double Weight)[] Aspects =
        [(1, 1, 15), (2, 3, 20), (3, 4, 15), (9, 16, 8), (1, 1.4142, 7), (3, 2, 10), (4, 3, 8), (16, 9, 10), (1, 3, 3), (3, 1, 2), (1, 4, 1), (21, 9, 1)];
    private static readonly double[] ExtensionShares = Extensions.Select(e => e.Share).ToArray();
    private static readonly int[] AspectWeights = Aspects.Select(a => (int)a.Weight).ToArray();
    // Upload time against post id on the real site (piecewise linear), scaled to MaxId.
    private static readonly (double Id, DateTime At)[] Timeline =
    [
        (0, new DateTime(2005, 5, 24)), (1e6, new DateTime(2011, 10, 1)), (2e6, new DateTime(2015, 6, 1)),
        (3e6, new DateTime(2018, 3, 1)), (4e6, new DateTime(2020, 8, 1)), (5e6, new DateTime(2021, 12, 1)),
        (6e6, new DateTime(2023, 1, 1)), (7e6, new DateTime(2024, 1, 1)), (7.9e6, new DateTime(2024, 8, 1)),
    ];

    public static void Generate(string path, SampleDbOptions options, IProgress<StageProgress>? progress = null)
    {
        options.Validate();
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = AtomicFile.TempPathFor(full);
        try
        {
            using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = temp, Pooling = false }.ToString()))
            {
                connection.Open();
                // cache_size is also the sorter's memory: at danbooru2023's size the relation indexes sort
                // ~0.25 B rows, which the default 2 MB would sort as thousands of small runs on disk.
                Execute(connection, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096; PRAGMA cache_size = -262144;");
                foreach (var ddl in SampleSchema.Statements(options.Schema)) Execute(connection, ddl);
                using (var tx = connection.BeginTransaction())
                {
                    var tags = InsertTags(connection, tx, options);
                    InsertPosts(connection, tx, options, tags, progress);
                    tx.Commit();
                }
                foreach (var ddl in SampleSchema.Indexes(options.Schema, options.IndexRelation)) Execute(connection, ddl);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private sealed record VocabTag(long Id, string Name, TagType Type);

    private sealed class Vocab
    {
        public required VocabTag[] Counts, Backgrounds, Shapes, Themes, General, LongTail, Artists, Meta, Animated;
        public required (VocabTag Character, VocabTag Copyright)[] Characters;
        public required VocabTag Original;
        public required int[] CountWeights;
    }

    private static Vocab InsertTags(SqliteConnection connection, SqliteTransaction tx, SampleDbOptions options)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO tag (id, name, type, popularity) VALUES ($id, $name, $type, 0)";
        var pId = cmd.Parameters.Add("$id", SqliteType.Integer);
        var pName = cmd.Parameters.Add("$name", SqliteType.Text);
        var pType = cmd.Parameters.Add("$type", SqliteType.Integer);
        var byName = new Dictionary<string, VocabTag>(StringComparer.Ordinal);
        VocabTag Add(string name, TagType type)
        {
            if (byName.TryGetValue(name, out var existing)) return existing;
            var tag = new VocabTag(byName.Count + 1, name, type);
            pId.Value = tag.Id; pName.Value = name; pType.Value = (int)type;
            cmd.ExecuteNonQuery();
            byName[name] = tag;
            return tag;
        }
        VocabTag[] All(IEnumerable<string> names, TagType type) => names.Select(n => Add(n, type)).ToArray();

        return new Vocab
        {
            Counts = All(SampleVocabulary.Counts.Select(c => c.Name), TagType.General),
            CountWeights = SampleVocabulary.Counts.Select(c => c.Weight).ToArray(),
            Backgrounds = All(SampleVocabulary.Backgrounds, TagType.General),
            Shapes = All(SampleVocabulary.Shapes, TagType.General),
            Themes = All(SampleVocabulary.Themes, TagType.General),
            General = All(SampleVocabulary.General, TagType.General),
            LongTail = All(Enumerable.Range(0, options.LongTailTags).Select(SampleVocabulary.LongTail), TagType.General),
            Characters = SampleVocabulary.Characters.Select(c => (Add(c.Character, TagType.Character), Add(c.Copyright, TagType.Copyright))).ToArray(),
            Original = Add("original", TagType.Copyright),
            Artists = All(Enumerable.Range(0, options.Artists).Select(SampleVocabulary.Artist), TagType.Artist),
            Meta = All(SampleVocabulary.Meta, TagType.Meta),
            Animated = All(SampleVocabulary.AnimatedMeta, TagType.Meta),
        };
    }

    private static void InsertPosts(SqliteConnection connection, SqliteTransaction tx, SampleDbOptions options, Vocab vocab, IProgress<StageProgress>? progress)
    {
        var rng = new PythonRandom(options.Seed);
        var tagLists = options.Schema is SchemaVersion.V1TagList or SchemaVersion.V2;
        var nullableUrls = options.Schema is SchemaVersion.V3 or SchemaVersion.V31;

        var columns = new List<string>
        {
            "id", "created_at", "uploader_id", "source", "md5", "parent_id", "has_children", "is_deleted", "is_banned", "pixiv_id",
            "has_active_children", "bit_flags", "has_large", "has_visible_children", "image_width", "image_height", "file_size",
            "file_ext", "rating", "score", "up_score", "down_score", "fav_count", "file_url", "large_file_url", "preview_file_url",
        };
        if (tagLists)
        {
            columns.Add("tag_list");
            if (options.Schema == SchemaVersion.V1TagList) columns.AddRange(SampleSchema.TypeNames.Select(t => $"tag_list_{t}"));
            columns.Add("tag_count");
            columns.AddRange(SampleSchema.TypeNames.Select(t => $"tag_count_{t}"));
        }
        if (options.Schema == SchemaVersion.V31) columns.Add("updated_at");

        using var postCmd = connection.CreateCommand();
        postCmd.Transaction = tx;
        postCmd.CommandText = $"INSERT INTO post ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(c => "$" + c))})";
        var p = columns.ToDictionary(c => c, c => postCmd.Parameters.Add("$" + c, SqliteType.Integer));
        postCmd.Prepare();

        using var relCmd = connection.CreateCommand();
        relCmd.Transaction = tx;
        var relSql = new StringBuilder(RelationBatch * 20);
        var relRows = 0;
        // Integer literals in one multi-row INSERT: binding 2 parameters per row costs more than SQLite's parse.
        void FlushRelations()
        {
            if (relRows == 0) return;
            relCmd.CommandText = relSql.ToString();
            relCmd.ExecuteNonQuery();
            relSql.Clear();
            relRows = 0;
        }

        var step = (double)options.MaxId / options.Posts;
        var groups = new List<VocabTag>[5];
        for (var g = 0; g < 5; g++) groups[g] = new List<VocabTag>(32);
        var md5 = new StringBuilder(32);
        for (var n = 0; n < options.Posts; n++)
        {
            var id = step >= 2 ? (long)Math.Floor(n * step) + 1 + rng.RandBelow((long)Math.Floor(step) - 1 is var s && s > 0 ? s : 1) : n + 1L;
            var rating = Pick(rng, RatingShare);
            var ext = Extensions[Pick(rng, ExtensionShares)].Ext;
            var fav = (int)Math.Floor(FavMedian[rating] * Math.Exp(Normal(rng)));
            var down = (int)rng.RandBelow(3) == 0 ? -(int)rng.RandBelow(4) : 0;
            var up = (int)Math.Round(fav * 0.8) + (int)rng.RandBelow(3);
            var deleted = rng.Random() < 0.05;
            var banned = rng.Random() < 0.005;
            var goldOnly = rng.Random() < 0.01;
            var (width, height) = Dimensions(rng);
            var created = CreatedAt(rng, id, options.MaxId);

            md5.Clear();
            for (var i = 0; i < 4; i++) md5.Append(rng.NextUInt32().ToString("x8", CultureInfo.InvariantCulture));
            var hash = md5.ToString();
            var file = $"https://cdn.donmai.us/original/{hash[..2]}/{hash[2..4]}/{hash}.{ext}";

            DrawTags(rng, vocab, ext, options.ExtraTailTags, groups);

            object Url(string? value) => goldOnly ? (nullableUrls ? DBNull.Value : "") : value!;
            p["id"].Value = id;
            p["created_at"].Value = created.Text;
            p["uploader_id"].Value = 1 + rng.RandBelow(900_000);
            p["source"].Value = rng.Random() < 0.7 ? $"https://www.pixiv.net/artworks/{60_000_000 + rng.RandBelow(50_000_000)}" : "";
            p["md5"].Value = Url(hash);
            p["parent_id"].Value = DBNull.Value;
            p["has_children"].Value = 0;
            p["is_deleted"].Value = deleted ? 1 : 0;
            p["is_banned"].Value = banned ? 1 : 0;
            p["pixiv_id"].Value = DBNull.Value;
            p["has_active_children"].Value = 0;
            p["bit_flags"].Value = 0;
            p["has_large"].Value = width * (long)height > 850 * 850 ? 1 : 0;
            p["has_visible_children"].Value = 0;
            p["image_width"].Value = width;
            p["image_height"].Value = height;
            p["file_size"].Value = width * (long)height * (ext == "png" ? 2 : 1) / 3;
            p["file_ext"].Value = ext;
            p["rating"].Value = rating;
            p["score"].Value = up + down;
            p["up_score"].Value = up;
            p["down_score"].Value = down;
            p["fav_count"].Value = fav;
            p["file_url"].Value = Url(file);
            p["large_file_url"].Value = Url(file);
            p["preview_file_url"].Value = Url($"https://cdn.donmai.us/180x180/{hash[..2]}/{hash[2..4]}/{hash}.jpg");
            if (options.Schema == SchemaVersion.V31) p["updated_at"].Value = created.Updated;
            if (tagLists)
            {
                p["tag_list"].Value = TagListCodec.Encode(groups.SelectMany(g => g).Select(t => t.Id));
                p["tag_count"].Value = groups.Sum(g => g.Count);
                for (var g = 0; g < 5; g++)
                {
                    var name = SampleSchema.TypeNames[g];
                    var ofType = groups.SelectMany(x => x).Where(t => (int)t.Type == g).ToList();
                    if (options.Schema == SchemaVersion.V1TagList) p[$"tag_list_{name}"].Value = TagListCodec.Encode(ofType.Select(t => t.Id));
                    p[$"tag_count_{name}"].Value = ofType.Count;
                }
            }
            postCmd.ExecuteNonQuery();

            if (options.Schema != SchemaVersion.V1TagList)
            {
                foreach (var group in groups)
                    foreach (var tag in group)
                    {
                        relSql.Append(relRows == 0 ? "INSERT INTO posttagrelation (post_id, tag_id) VALUES (" : ",(")
                            .Append(id).Append(',').Append(tag.Id).Append(')');
                        if (++relRows == RelationBatch) FlushRelations();
                    }
            }
            if ((n + 1) % 50_000 == 0) progress?.Report(new StageProgress("sample db", n + 1, options.Posts));
        }
        FlushRelations();
        progress?.Report(new StageProgress("sample db", options.Posts, options.Posts));
    }

    // Groups in the order the HF build script inserts relation rows: general, artist, character,
    // copyright, meta; each sorted like Danbooru's tag_string_* (ordinal).
    private static void DrawTags(PythonRandom rng, Vocab vocab, string ext, int extraTail, List<VocabTag>[] groups)
    {
        foreach (var g in groups) g.Clear();
        var general = groups[0];
        var seen = new HashSet<long>();
        void AddTo(List<VocabTag> group, VocabTag tag) { if (seen.Add(tag.Id)) group.Add(tag); }

        AddTo(general, vocab.Counts[PickWeighted(rng, vocab.CountWeights)]);
        if (rng.Random() < 0.15) AddTo(general, vocab.Counts[PickWeighted(rng, vocab.CountWeights)]);
        AddTo(general, vocab.Backgrounds[rng.RandBelow(vocab.Backgrounds.Length)]);
        var shapes = 1 + rng.RandBelow(3);
        for (var i = 0; i < shapes; i++) AddTo(general, vocab.Shapes[rng.RandBelow(vocab.Shapes.Length)]);
        var themes = 1 + rng.RandBelow(2);
        for (var i = 0; i < themes; i++) AddTo(general, vocab.Themes[rng.RandBelow(vocab.Themes.Length)]);
        var ordinary = 10 + rng.RandBelow(9);
        for (var i = 0; i < ordinary; i++) AddTo(general, vocab.General[Skewed(rng, vocab.General.Length, 2)]);
        var tail = 3 + rng.RandBelow(6) + extraTail;
        for (var i = 0; i < tail; i++) AddTo(general, vocab.LongTail[Skewed(rng, vocab.LongTail.Length, 3)]);

        var artists = rng.Random() switch { < 0.05 => 0, < 0.95 => 1, _ => 2 };
        for (var i = 0; i < artists; i++) AddTo(groups[1], vocab.Artists[Skewed(rng, vocab.Artists.Length, 2)]);

        var characters = rng.Random() switch { < 0.35 => 0, < 0.85 => 1, _ => 2 };
        for (var i = 0; i < characters; i++)
        {
            var (character, copyright) = vocab.Characters[Skewed(rng, vocab.Characters.Length, 2)];
            AddTo(groups[2], character);
            AddTo(groups[3], copyright);
        }
        if (characters == 0 && rng.Random() < 0.5) AddTo(groups[3], vocab.Original);

        var meta = 1 + rng.RandBelow(4);
        for (var i = 0; i < meta; i++) AddTo(groups[4], vocab.Meta[Skewed(rng, vocab.Meta.Length, 2)]);
        if (ext is "gif" or "mp4" or "webm" or "swf") AddTo(groups[4], vocab.Animated[ext == "gif" ? 0 : 1 + rng.RandBelow(2)]);

        foreach (var g in groups) g.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
    }

    private static (string Text, string Updated) CreatedAt(PythonRandom rng, long id, long maxId)
    {
        var x = id * (7.9e6 / maxId);
        var k = 1;
        while (k < Timeline.Length - 1 && Timeline[k].Id < x) k++;
        var (x0, t0) = Timeline[k - 1];
        var (x1, t1) = Timeline[k];
        var local = t0 + (t1 - t0) * Math.Clamp((x - x0) / (x1 - x0), 0, 1) + TimeSpan.FromSeconds(rng.RandBelow(3600));
        // Danbooru stamps are US Eastern; a few carry other offsets (the year tag must use the written one).
        var offset = rng.Random() switch
        {
            < 0.05 => TimeSpan.FromHours(9),
            < 0.07 => TimeSpan.Zero,
            _ => local.Month is >= 4 and <= 10 ? TimeSpan.FromHours(-4) : TimeSpan.FromHours(-5),
        };
        var created = new DateTimeOffset(local.AddMilliseconds(rng.RandBelow(1000)), offset);
        var updated = created.AddDays(rng.RandBelow(400));
        return (Format(created), Format(updated));
    }

    private static string Format(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    private static (int Width, int Height) Dimensions(PythonRandom rng)
    {
        var (aw, ah, _) = Aspects[PickWeighted(rng, AspectWeights)];
        var longSide = 700 + (int)rng.RandBelow(3400);
        return aw >= ah
            ? (longSide, Math.Max(1, (int)Math.Round(longSide * ah / aw)))
            : (Math.Max(1, (int)Math.Round(longSide * aw / ah)), longSide);
    }

    private static double Normal(PythonRandom rng)
    {
        var u1 = 1.0 - rng.Random();
        var u2 = rng.Random();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static int Pick(PythonRandom rng, double[] shares)
    {
        var u = rng.Random();
        for (var i = 0; i < shares.Length - 1; i++)
        {
            if (u < shares[i]) return i;
            u -= shares[i];
        }
        return shares.Length - 1;
    }

    private static int PickWeighted(PythonRandom rng, int[] weights)
    {
        var r = rng.RandBelow(weights.Sum());
        for (var i = 0; i < weights.Length; i++)
        {
            if (r < weights[i]) return i;
            r -= weights[i];
        }
        return weights.Length - 1;
    }

    // Power-law pick: low indices (the common tags) far more often than the tail.
    private static int Skewed(PythonRandom rng, int n, int power) => Math.Min(n - 1, (int)(n * Math.Pow(rng.Random(), power)));

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
