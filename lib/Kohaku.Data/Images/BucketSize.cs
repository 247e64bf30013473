namespace Kohaku.Data.Images;

// A bucket resolution in pixels, (width, height) as kohya writes it; both sides are multiples of the step.
public readonly record struct BucketSize(int Width, int Height) : IComparable<BucketSize>
{
    public double AspectRatio => (double)Width / Height;

    // kohya sorts its tuples, so (w, h) orders by width, then height.
    public int CompareTo(BucketSize other) => Width != other.Width ? Width.CompareTo(other.Width) : Height.CompareTo(other.Height);

    public override string ToString() => $"{Width}x{Height}";
}
