using System.Text.Json.Nodes;
using System.Threading.Channels;
using NetMQ;
using NetMQ.Sockets;

namespace Kohaku.Notebooks.Kernel;

internal enum JupyterChannel { Shell, Control, IOPub }

// The five sockets of a connection file. NetMQ sockets are not thread-safe, so one poller thread
// owns them all: it answers heartbeats itself, hands verified requests to the host through two
// channels (shell and control are served apart, so an interrupt gets through while a cell runs),
// and sends what any thread enqueues, in order.
internal sealed class JupyterSockets : IDisposable
{
    private sealed record Outgoing(JupyterChannel Channel, JupyterMessage? Message, TaskCompletionSource? Flushed);

    private readonly JupyterWire _wire;
    private readonly RouterSocket _shell = new(), _control = new(), _stdin = new();
    private readonly PublisherSocket _iopub = new();
    private readonly ResponseSocket _heartbeat = new();
    private readonly NetMQQueue<Outgoing> _outgoing = new();
    private readonly NetMQPoller _poller;
    private readonly Channel<JupyterMessage> _shellRequests = Channel.CreateUnbounded<JupyterMessage>();
    private readonly Channel<JupyterMessage> _controlRequests = Channel.CreateUnbounded<JupyterMessage>();

    public JupyterSockets(JupyterConnection connection, JupyterWire wire)
    {
        _wire = wire;
        // A second of linger lets the last replies (shutdown_reply, idle) leave before the process ends.
        foreach (var (socket, port) in new (NetMQSocket, int)[] { (_shell, connection.ShellPort), (_control, connection.ControlPort), (_stdin, connection.StdinPort), (_iopub, connection.IOPubPort), (_heartbeat, connection.HeartbeatPort) })
        {
            socket.Options.Linger = TimeSpan.FromSeconds(1);
            socket.Bind(connection.Address(port));
        }
        _shell.ReceiveReady += (_, e) => Receive(e.Socket, _shellRequests.Writer);
        _control.ReceiveReady += (_, e) => Receive(e.Socket, _controlRequests.Writer);
        // The kernel never sends input_request (RequestInput has no Jupyter route yet), so nothing
        // legitimate arrives here; reading keeps stray messages from piling up.
        _stdin.ReceiveReady += (_, e) => e.Socket.ReceiveMultipartBytes();
        _heartbeat.ReceiveReady += (_, e) => e.Socket.SendMultipartBytes(e.Socket.ReceiveMultipartBytes());
        _outgoing.ReceiveReady += (_, e) => { while (e.Queue.TryDequeue(out var item, TimeSpan.Zero)) Send(item); };
        _poller = new NetMQPoller { _shell, _control, _stdin, _heartbeat, _outgoing };
        _poller.RunAsync("jupyter sockets");
    }

    public ChannelReader<JupyterMessage> ShellRequests => _shellRequests.Reader;
    public ChannelReader<JupyterMessage> ControlRequests => _controlRequests.Reader;

    public void Reply(JupyterChannel channel, JupyterMessage request, string msgType, JsonObject content) =>
        _outgoing.Enqueue(new(channel, _wire.Reply(request, msgType, content), null));

    public void Publish(string msgType, JsonObject content, JupyterMessage? request) =>
        _outgoing.Enqueue(new(JupyterChannel.IOPub, _wire.Broadcast(msgType, content, request), null));

    // Completes once everything enqueued before it has been handed to its socket.
    public Task FlushAsync()
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _outgoing.Enqueue(new(JupyterChannel.IOPub, null, flushed));
        return flushed.Task;
    }

    private void Receive(NetMQSocket socket, ChannelWriter<JupyterMessage> requests)
    {
        var frames = socket.ReceiveMultipartBytes();
        if (_wire.Decode(frames) is { } message) requests.TryWrite(message);
        else Console.Error.WriteLine("kernel jupyter: dropped a message with a missing or wrong signature");
    }

    private void Send(Outgoing item)
    {
        if (item.Message is { } message)
        {
            NetMQSocket socket = item.Channel switch { JupyterChannel.Shell => _shell, JupyterChannel.Control => _control, _ => _iopub };
            socket.SendMultipartBytes(_wire.Encode(message));
        }
        item.Flushed?.TrySetResult();
    }

    public void Dispose()
    {
        _poller.Stop();
        _poller.Dispose();
        _outgoing.Dispose();
        foreach (var socket in new NetMQSocket[] { _shell, _control, _stdin, _iopub, _heartbeat }) socket.Dispose();
        _shellRequests.Writer.TryComplete();
        _controlRequests.Writer.TryComplete();
    }
}
