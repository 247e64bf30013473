using Kohaku.Diffusion.SafeTensors;

namespace Kohaku.Diffusion.Merge;

// Puts the text encoders' token and position embeddings of a reference checkpoint back into a
// fine-tuned one: the card found training them unhelpful at small batch sizes and restored the
// originals of TE1 (CLIP-L) and TE2 (OpenCLIP bigG) before merging. Everything else is copied as is.
public static class EmbeddingRestore
{
    public static readonly IReadOnlyList<string> Keys =
    [
        "conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight",
        "conditioner.embedders.0.transformer.text_model.embeddings.position_embedding.weight",
        "conditioner.embedders.1.model.token_embedding.weight",
        "conditioner.embedders.1.model.positional_embedding",
    ];

    // Returns the keys restored (those of Keys present in the input; each must be in the reference).
    public static IReadOnlyList<string> Run(string reference, string input, string output)
    {
        using var original = CheckpointReader.Open(reference);
        using var tuned = CheckpointReader.Open(input);
        var set = Check(original, tuned);
        var restored = Keys.Where(set.Contains).ToList();
        var entries = tuned.Tensors.Select(info => new SafeTensorEntry(info.Name, info.DType, info.Shape,
            () => set.Contains(info.Name) ? original.Load(info.Name, info.DType.ToScalarType()) : tuned.Load(info.Name)));
        var metadata = new Dictionary<string, string>(tuned.Metadata) { ["kohaku.restored_embeddings_from"] = Path.GetFileName(reference) };
        SafeTensorsWriter.Write(output, entries, metadata);
        return restored;
    }

    // The embedding keys present in `tuned`, each checked to exist in `reference` with the same shape.
    public static HashSet<string> Check(CheckpointReader reference, CheckpointReader tuned)
    {
        var keys = Keys.Where(tuned.Contains).ToHashSet(StringComparer.Ordinal);
        if (keys.Count == 0) throw new InvalidDataException($"{tuned.Path}: none of the text-encoder embedding keys is present ({string.Join(", ", Keys)})");
        foreach (var key in keys)
        {
            if (!reference.Contains(key)) throw new InvalidDataException($"{reference.Path}: has no tensor '{key}'");
            var (a, b) = (reference.Info(key).Shape, tuned.Info(key).Shape);
            if (!a.SequenceEqual(b)) throw new InvalidDataException($"{reference.Path}: '{key}' is [{string.Join(", ", a)}], {tuned.Path} has [{string.Join(", ", b)}]");
        }
        return keys;
    }
}
