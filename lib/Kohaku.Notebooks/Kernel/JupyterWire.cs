using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Kohaku.Notebooks.Kernel;

// One Jupyter message. Identities are the ROUTER routing frames of a request (echoed on its reply)
// or the topic frame of an iopub broadcast.
internal sealed record JupyterMessage(IReadOnlyList<byte[]> Identities, JsonObject Header, JsonObject ParentHeader, JsonObject Metadata, JsonObject Content)
{
    public string MsgType => (string?)Header["msg_type"] ?? "";
}

// The wire format of messaging protocol 5.3: identities, "<IDS|MSG>", the HMAC-SHA256 signature
// (lowercase hex) of header, parent_header, metadata and content as sent, then those four frames.
internal sealed class JupyterWire(string key)
{
    public const string ProtocolVersion = "5.3";
    private static readonly byte[] Delimiter = "<IDS|MSG>"u8.ToArray();
    private readonly byte[] _key = Encoding.UTF8.GetBytes(key);
    private readonly string _session = Guid.NewGuid().ToString();

    public List<byte[]> Encode(JupyterMessage message)
    {
        byte[][] parts = [.. new[] { message.Header, message.ParentHeader, message.Metadata, message.Content }.Select(p => Encoding.UTF8.GetBytes(p.ToJsonString()))];
        return [.. message.Identities, Delimiter, Encoding.ASCII.GetBytes(Sign(parts)), .. parts];
    }

    // Null for anything that is not a well-formed message signed with our key: the key is what
    // keeps other local users from running code in this kernel, so bad signatures are dropped.
    public JupyterMessage? Decode(IReadOnlyList<byte[]> frames)
    {
        var delimiter = -1;
        for (var i = 0; i < frames.Count && delimiter < 0; i++)
            if (frames[i].AsSpan().SequenceEqual(Delimiter)) delimiter = i;
        if (delimiter < 0 || frames.Count < delimiter + 6) return null;

        var parts = frames.Skip(delimiter + 2).Take(4).ToArray();
        var expected = Encoding.ASCII.GetBytes(Sign(parts));
        if (!CryptographicOperations.FixedTimeEquals(expected, frames[delimiter + 1])) return null;
        try
        {
            var json = parts.Select(p => JsonNode.Parse(p) as JsonObject ?? []).ToArray();
            return new JupyterMessage(frames.Take(delimiter).ToArray(), json[0], json[1], json[2], json[3]);
        }
        catch (System.Text.Json.JsonException) { return null; }
    }

    public string Sign(IEnumerable<byte[]> parts)
    {
        if (_key.Length == 0) return "";
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        foreach (var part in parts) hmac.AppendData(part);
        return Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    public JupyterMessage Reply(JupyterMessage request, string msgType, JsonObject content) =>
        new(request.Identities, Header(msgType), (JsonObject)request.Header.DeepClone(), [], content);

    // iopub messages carry the message type as their topic, as ipykernel's do.
    public JupyterMessage Broadcast(string msgType, JsonObject content, JupyterMessage? request) =>
        new([Encoding.UTF8.GetBytes(msgType)], Header(msgType), request is null ? [] : (JsonObject)request.Header.DeepClone(), [], content);

    // A fresh msg_id every time: clients reject a signature they have seen before. The date keeps
    // six fraction digits, the most jupyter_client's parser takes (.NET's "o" writes seven).
    private JsonObject Header(string msgType) => new()
    {
        ["msg_id"] = Guid.NewGuid().ToString(),
        ["session"] = _session,
        ["username"] = "kohaku",
        ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        ["msg_type"] = msgType,
        ["version"] = ProtocolVersion,
    };
}
