using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kohaku.Data.Danbooru;
using Kohaku.Data.IO;

namespace Kohaku.Data.Captions;

// Captions for a list of post ids: as captions.jsonl ({"id":…,"caption":"…"} per line, ascending
// id, each id once), or as HakuBooru's FileSaver does, one <id>.txt per post (UTF-8, no newline).
public static class CaptionStage
{
    private static readonly JsonWriterOptions LineOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static CaptionBuilder CreateBuilder(DanbooruDb db, CaptionConfig config)
    {
        var percentiles = config.Quality == QualityMode.Computed ? FavPercentiles.Compute(db) : FavPercentiles.HakuBooru;
        return CaptionBuilder.Create(config.Style, percentiles);
    }

    // Read and built on every core (one read-only connection each), returned in ascending id order.
    public static IEnumerable<(long Id, string Caption)> Captions(DanbooruDb db, IReadOnlyList<long> sortedUniqueIds, CaptionBuilder builder) =>
        Captions(db, sortedUniqueIds, builder, null);

    private static IEnumerable<(long Id, string Caption)> Captions(DanbooruDb db, IReadOnlyList<long> sortedUniqueIds, CaptionBuilder builder, DateCheck? dates) =>
        db.MapPosts(sortedUniqueIds, post =>
        {
            dates?.See(post.Post);
            return (post.Post.Id, builder.Build(post));
        }, Math.Clamp(Environment.ProcessorCount, 1, 4));

    public static CaptionSummary WriteJsonl(DanbooruDb db, IReadOnlyCollection<long> ids, CaptionConfig config, string outPath, IProgress<StageProgress>? progress = null)
    {
        var builder = CreateBuilder(db, config);
        var unique = PostSelector.SortedUnique(ids);
        long written = 0;
        var dates = new DateCheck();
        AtomicFile.Write(outPath, stream =>
        {
            // AtomicFile's stream buffers 1 MiB, so per-line flushes stay cheap.
            using var writer = new Utf8JsonWriter(stream, LineOptions);
            foreach (var (id, caption) in Captions(db, unique, builder, dates))
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", id);
                writer.WriteString("caption", caption);
                writer.WriteEndObject();
                writer.Flush();
                stream.WriteByte((byte)'\n');
                writer.Reset();
                if (++written % 100_000 == 0) progress?.Report(new StageProgress("caption", written, unique.Length));
            }
        });
        progress?.Report(new StageProgress("caption", written, unique.Length));
        return dates.AddTo(new CaptionSummary(ids.Count, unique.Length, written, 0, unique.Length - written));
    }

    // <dir>/<id>.txt per post; a file already there is complete (every write is atomic) and is kept.
    public static CaptionSummary ExportTextFiles(DanbooruDb db, IReadOnlyCollection<long> ids, CaptionConfig config, string dir, IProgress<StageProgress>? progress = null)
    {
        var builder = CreateBuilder(db, config);
        Directory.CreateDirectory(dir);
        var unique = PostSelector.SortedUnique(ids);
        var todo = unique.Where(id => !File.Exists(TextPath(dir, id))).ToArray();
        long written = 0;
        var found = 0L;
        var dates = new DateCheck();
        foreach (var (id, caption) in Captions(db, todo, builder, dates))
        {
            found++;
            AtomicFile.WriteAllText(TextPath(dir, id), caption);
            if (++written % 10_000 == 0) progress?.Report(new StageProgress("caption", written, todo.Length));
        }
        return dates.AddTo(new CaptionSummary(ids.Count, unique.Length, written, unique.Length - todo.Length, todo.Length - found));
    }

    public static string TextPath(string dir, long id) => Path.Combine(dir, $"{id}.txt");

    public static IEnumerable<(long Id, string Caption)> ReadJsonl(string path)
    {
        var line = 0;
        foreach (var text in File.ReadLines(path, Encoding.UTF8))
        {
            line++;
            if (text.Length == 0) continue;
            long id;
            string caption;
            try
            {
                using var doc = JsonDocument.Parse(text);
                id = doc.RootElement.GetProperty("id").GetInt64();
                caption = doc.RootElement.GetProperty("caption").GetString() ?? "";
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}: line {line}: not a {{\"id\":…,\"caption\":\"…\"}} object: {e.Message}", e);
            }
            yield return (id, caption);
        }
    }
}
