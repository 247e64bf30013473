using Kohaku.Data.Images;

namespace Kohaku.Data.Export;

// Written: samples written by this run; AlreadyComplete: found finished from an earlier run;
// Skipped: posts with no usable image bytes (missing or empty), with the reason.
public sealed record ExportReport(int Written, int AlreadyComplete, IReadOnlyList<SkippedImage> Skipped);
