using System.Text;

namespace Kohaku.Data.Danbooru;

// The v1 post.tag_list text: tokens "$<tag id in base 36, upper case>#" back to back
// ("$6KMR#" = 306675 = umamusume).
public static class TagListCodec
{
    public static IReadOnlyList<Tag> Decode(string? tagList, TagTable tags, string path, long postId)
    {
        var result = new List<Tag>();
        if (string.IsNullOrEmpty(tagList)) return result;
        var i = 0;
        while (i < tagList.Length)
        {
            if (tagList[i] != '$') throw Bad(path, postId, i);
            var end = tagList.IndexOf('#', i + 1);
            if (end < 0 || end == i + 1) throw Bad(path, postId, i);
            long id = 0;
            for (var k = i + 1; k < end; k++)
            {
                var digit = Base36Digit(tagList[k]);
                if (digit < 0) throw Bad(path, postId, k);
                id = checked(id * 36 + digit);
            }
            result.Add(tags[id]);
            i = end + 1;
        }
        return result;
    }

    public static string Encode(IEnumerable<long> tagIds)
    {
        var sb = new StringBuilder();
        foreach (var id in tagIds) sb.Append('$').Append(ToBase36(id)).Append('#');
        return sb.ToString();
    }

    public static string ToBase36(long value)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(value));
        if (value == 0) return "0";
        Span<char> buffer = stackalloc char[16];
        var pos = buffer.Length;
        while (value > 0)
        {
            var d = (int)(value % 36);
            buffer[--pos] = (char)(d < 10 ? '0' + d : 'A' + d - 10);
            value /= 36;
        }
        return new string(buffer[pos..]);
    }

    private static int Base36Digit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'Z' => c - 'A' + 10,
        >= 'a' and <= 'z' => c - 'a' + 10,
        _ => -1,
    };

    private static InvalidDataException Bad(string path, long postId, int at) =>
        new($"{path}: post {postId}: post.tag_list is not a list of \"$<base36 id>#\" tokens (bad character at {at})");
}
