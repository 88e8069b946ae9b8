using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Workbooks.Tests.Data;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 for download tests: answers each request from a handler with
/// a status, a body and optionally a Content-Length that differs from the body (to simulate a cut
/// connection). No test reaches the internet.
/// </summary>
public sealed class LocalHttpServer : IDisposable
{
    public sealed record Reply(int Status, byte[] Body, long? DeclaredLength = null);

    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly Func<string, Reply> handler;
    readonly CancellationTokenSource stop = new();
    readonly Task loop;

    public ConcurrentQueue<(string Path, string? Authorization)> Requests { get; } = new();
    public string BaseUrl { get; }

    public LocalHttpServer(Func<string, Reply> handler)
    {
        this.handler = handler;
        listener.Start();
        BaseUrl = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        loop = Task.Run(AcceptLoop);
    }

    async Task AcceptLoop()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    async Task Serve(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var head = await ReadHead(stream);
            var lines = head.Split("\r\n");
            var path = lines[0].Split(' ')[1];
            var auth = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase))?["Authorization:".Length..].Trim();
            Requests.Enqueue((path, auth));
            var reply = handler(path);
            var status = reply.Status switch { 200 => "OK", 404 => "Not Found", 401 => "Unauthorized", _ => "Status" };
            var header = $"HTTP/1.1 {reply.Status} {status}\r\nContent-Length: {reply.DeclaredLength ?? reply.Body.Length}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(header));
            await stream.WriteAsync(reply.Body);
            await stream.FlushAsync();
            client.Client.Shutdown(SocketShutdown.Both);
        }
    }

    static async Task<string> ReadHead(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1)
        {
            buffer.Add(one[0]);
            var n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n') break;
        }
        return Encoding.ASCII.GetString(buffer.ToArray());
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        try { loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
