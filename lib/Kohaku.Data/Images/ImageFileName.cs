namespace Kohaku.Data.Images;

// HakuBooru's rule for member and file names: drop any directory prefix, split at the last dot;
// the part before is the post id, the part after the extension.
internal static class ImageFileName
{
    // What an image folder or the webp dataset may hold for a post (HakuBooru's list; gif counts here,
    // unlike PostFilter's decodable kinds), in the order an export looks for them.
    public static readonly string[] Extensions = ["webp", "png", "jpg", "jpeg", "gif"];

    public static bool TryParse(string name, out long id, out string extension)
    {
        var baseName = name[(name.LastIndexOf('/') + 1)..];
        int dot = baseName.LastIndexOf('.');
        extension = dot < 0 ? "" : baseName[(dot + 1)..].ToLowerInvariant();
        return long.TryParse(dot < 0 ? baseName : baseName[..dot], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id) && dot > 0;
    }
}
