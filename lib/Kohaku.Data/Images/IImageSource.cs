namespace Kohaku.Data.Images;

// Finds a post's image by id; null when no file or member holds it. Implementations are safe to
// call from several threads at once.
public interface IImageSource
{
    ImageBytes? Find(long id);
}
