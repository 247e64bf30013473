using System.Text;

namespace Kohaku.Diffusion.Tests.Tokenizer;

// A hand-written CLIP-format vocabulary small enough to know every id, in a scratch folder.
// ASCII letters are their own byte symbols, so "h", "e", ... need no byte mapping.
internal sealed class TokenizerFiles : IDisposable
{
    public const string Vocab = """
        {"h":0,"e":1,"l":2,"o":3,"o</w>":4,"he":5,"ll":6,"llo</w>":7,"hello</w>":8,"<|startoftext|>":9,"<|endoftext|>":10,"e</w>":11,",</w>":12}
        """;

    // Ranks 0..3: h e → he, l l → ll, ll o</w> → llo</w>, he llo</w> → hello</w>.
    public const string Merges = "#version: 0.2\nh e\nl l\nll o</w>\nhe llo</w>\n";

    public TokenizerFiles(string vocab = Vocab, string merges = Merges)
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllText(VocabPath, vocab, new UTF8Encoding(false));
        File.WriteAllText(MergesPath, merges, new UTF8Encoding(false));
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "kohaku-tok-" + Guid.NewGuid().ToString("N"));

    public string VocabPath => Path.Combine(Folder, "vocab.json");

    public string MergesPath => Path.Combine(Folder, "merges.txt");

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }

    // The repository's data/sample/tokenizer, found by walking up from the test binaries.
    public static string SampleFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "KohakuNotebooks.sln")))
                return Path.Combine(dir.FullName, "data", "sample", "tokenizer");
        throw new DirectoryNotFoundException("repository root (KohakuNotebooks.sln) not found above the test binaries");
    }
}
