using System.Text.Json.Nodes;

namespace Kohaku.Notebooks.Kernel;

// The connection file a Jupyter client writes before it starts the kernel ({connection_file} in
// kernel.json): where to bind the five sockets and the key that signs every message.
public sealed record JupyterConnection(string Transport, string Ip, int ShellPort, int IOPubPort, int StdinPort, int ControlPort, int HeartbeatPort, string Key)
{
    public static JupyterConnection Load(string path)
    {
        var json = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new ArgumentException($"kernel jupyter: {path} is not a JSON object");
        string Text(string name) => (string?)json[name] ?? throw new ArgumentException($"kernel jupyter: {path} has no '{name}'");
        int Port(string name) => (int?)json[name] ?? throw new ArgumentException($"kernel jupyter: {path} has no '{name}'");

        // NetMQ is a managed ZeroMQ: its ipc:// is not libzmq's Unix sockets, so only tcp meets a
        // Python client; and jupyter_client signs with nothing but HMAC-SHA256.
        var transport = (string?)json["transport"] ?? "tcp";
        if (transport != "tcp") throw new ArgumentException($"kernel jupyter: transport '{transport}' is not supported (only tcp)");
        var scheme = (string?)json["signature_scheme"] ?? "hmac-sha256";
        if (scheme != "hmac-sha256") throw new ArgumentException($"kernel jupyter: signature_scheme '{scheme}' is not supported (only hmac-sha256)");

        return new JupyterConnection(transport, Text("ip"), Port("shell_port"), Port("iopub_port"), Port("stdin_port"), Port("control_port"), Port("hb_port"), Text("key"));
    }

    public string Address(int port) => $"{Transport}://{Ip}:{port}";
}
