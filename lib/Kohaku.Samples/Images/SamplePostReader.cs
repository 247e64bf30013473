using Kohaku.Data.Images;
using Microsoft.Data.Sqlite;

namespace Kohaku.Samples.Images;

// Reads what the pictures need straight from a danbooru2023-schema SQLite file (v2 and later:
// post, tag, posttagrelation): each post's id and original size, its general tags (type 0), and
// whether the webp dataset would hold an image for it (an image file_ext and a non-NULL md5).
public static class SamplePostReader
{
    private static readonly HashSet<string> ImageExtensions = new(ImageFileName.Extensions, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<SamplePost> Read(string databasePath)
    {
        if (!File.Exists(databasePath)) throw new FileNotFoundException($"database not found: {databasePath}", databasePath);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        var tags = new Dictionary<long, List<string>>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT r.post_id, t.name FROM posttagrelation r JOIN tag t ON t.id = r.tag_id WHERE t.type = 0 ORDER BY r.id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                long id = reader.GetInt64(0);
                if (!tags.TryGetValue(id, out var list)) tags[id] = list = [];
                list.Add(reader.GetString(1));
            }
        }
        var posts = new List<SamplePost>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, image_width, image_height, file_ext, md5 IS NOT NULL FROM post ORDER BY id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                long id = reader.GetInt64(0);
                int width = reader.GetInt32(1), height = reader.GetInt32(2);
                if (width <= 0 || height <= 0) throw new InvalidDataException($"{databasePath}: post {id} has size {width}x{height}");
                bool hasImage = ImageExtensions.Contains(reader.GetString(3)) && reader.GetBoolean(4);
                posts.Add(new SamplePost(id, width, height, tags.TryGetValue(id, out var list) ? list : [], hasImage));
            }
        }
        return posts;
    }
}
