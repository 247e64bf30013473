using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Kohaku.Diffusion.Tokenizer;

// The CLIP BPE tokenizer shared by SDXL's two text encoders (sdxl-arch.md §7), read from the HF
// vocab.json + merges.txt pair. The BPE itself is Microsoft.ML.Tokenizers' BpeTokenizer, which
// covers CLIP's byte-level symbols, "</w>" end-of-word suffix and regex split (the tests pin
// ids worked out by hand from CLIP's rules); CLIP's text cleanup (ftfy, HTML
// unescape, whitespace collapse, lowercase) runs before it (ClipTextClean.Clean), because
// the library's normalizers cannot express it. Both files are validated here first, so a
// broken vocabulary is refused with its file and line.
public sealed class ClipTokenizer
{
    private readonly BpeTokenizer _bpe;
    private readonly string[] _tokens;

    private ClipTokenizer(Dictionary<string, int> vocab, List<string> merges, int bos, int eos)
    {
        Bos = bos;
        Eos = eos;
        var specials = new Dictionary<string, int> { [ClipPreTokenizer.StartOfText] = bos, [ClipPreTokenizer.EndOfText] = eos };
        _bpe = BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            SpecialTokens = specials,
            PreTokenizer = new RegexPreTokenizer(ClipPreTokenizer.Pattern(), specials),
            ByteLevel = true,
            EndOfWordSuffix = "</w>",
            // HF CLIPTokenizer's unk_token; only reachable with a vocabulary lacking byte symbols.
            UnknownToken = ClipPreTokenizer.EndOfText,
        });
        _tokens = new string[vocab.Values.Max() + 1];
        foreach (var (token, id) in vocab)
            _tokens[id] = token;
    }

    // <|startoftext|>: 49406 in CLIP's vocabulary.
    public int Bos { get; }

    // <|endoftext|>: 49407 in CLIP's vocabulary; TE1's pad.
    public int Eos { get; }

    // Embedding rows a text encoder needs for this vocabulary (largest id + 1).
    public int VocabSize => _tokens.Length;

    // A tokenizer folder holds these two files, as CLIP ships them.
    public const string VocabFile = "vocab.json", MergesFile = "merges.txt";

    public static IReadOnlyList<string> FolderFiles { get; } = [VocabFile, MergesFile];

    public static ClipTokenizer FromFolder(string folder) => FromFiles(Path.Combine(folder, VocabFile), Path.Combine(folder, MergesFile));

    public static ClipTokenizer FromFiles(string vocabJson, string mergesTxt)
    {
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(vocabJson))
                ?? throw new InvalidDataException($"{vocabJson}: vocabulary is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{vocabJson}: not a JSON object of token → id: {e.Message}", e);
        }
        if (vocab.Values.Any(id => id < 0))
            throw new InvalidDataException($"{vocabJson}: negative token id for '{vocab.First(kv => kv.Value < 0).Key}'");
        var bos = vocab.TryGetValue(ClipPreTokenizer.StartOfText, out var b) ? b : throw new InvalidDataException($"{vocabJson}: no '{ClipPreTokenizer.StartOfText}' token");
        var eos = vocab.TryGetValue(ClipPreTokenizer.EndOfText, out var e2) ? e2 : throw new InvalidDataException($"{vocabJson}: no '{ClipPreTokenizer.EndOfText}' token");
        return new ClipTokenizer(vocab, ReadMerges(mergesTxt, vocab), bos, eos);
    }

    // merges.txt: an optional "#version" line, then one "left right" pair per line, rank = order.
    private static List<string> ReadMerges(string path, Dictionary<string, int> vocab)
    {
        var merges = new List<string>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
                continue;
            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new InvalidDataException($"{path}: line {lineNumber} is not a 'left right' pair: '{line}'");
            if (!vocab.ContainsKey(parts[0] + parts[1]))
                throw new InvalidDataException($"{path}: line {lineNumber} merges into '{parts[0] + parts[1]}', which the vocabulary lacks");
            merges.Add(line);
        }
        return merges;
    }

    // Token ids of the text, without BOS/EOS.
    public int[] Encode(string text) => _bpe.EncodeToIds(ClipTextClean.Clean(text)).ToArray();

    // kohya's chunked ids for one caption: maxTokens/75 rows of 77, flattened (see KohyaTokenChunks).
    // padId: Eos for TE1, 0 for TE2.
    public long[] EncodeChunks(string text, int padId, int maxTokens = 225) =>
        KohyaTokenChunks.Build(Encode(text), Bos, Eos, padId, maxTokens);

    public string Decode(IEnumerable<int> ids)
    {
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            var token = id >= 0 && id < _tokens.Length && _tokens[id] is { } t ? t : throw new ArgumentOutOfRangeException(nameof(ids), id, "not a token id");
            foreach (var ch in token.Replace("</w>", " ", StringComparison.Ordinal))
                bytes.AddRange(ClipByteMap.CharToByte.TryGetValue(ch, out var by) ? [by] : Encoding.UTF8.GetBytes(ch.ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray()).Trim();
    }
}
