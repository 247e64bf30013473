using Kohaku.Samples.Images;

namespace Kohaku.Data.Tests.Images.Sample;

public class SamplePostReaderTests
{
    internal static string SampleDb()
    {
        // The committed sample database, found from the test binary upwards.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "data", "sample", "danbooru.db");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("data/sample/danbooru.db not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Read_SampleDb_EveryImagePostHasOneBackgroundAndAShape()
    {
        var posts = SamplePostReader.Read(SampleDb());

        Assert.Equal(600, posts.Count);
        var withImage = posts.Where(p => p.HasImage).ToList();
        Assert.InRange(withImage.Count, 500, 590);
        Assert.All(withImage, p =>
        {
            Assert.Single(p.GeneralTags, SampleImages.Backgrounds.ContainsKey);
            Assert.InRange(p.GeneralTags.Count(SampleImages.Shapes.Contains), 1, 3);
            Assert.True(p.Width > 0 && p.Height > 0);
        });
    }

    [Fact]
    public void Read_MissingFile_ThrowsNamingIt()
    {
        var e = Assert.Throws<FileNotFoundException>(() => SamplePostReader.Read("/no/such.db"));

        Assert.Contains("/no/such.db", e.Message);
    }
}
