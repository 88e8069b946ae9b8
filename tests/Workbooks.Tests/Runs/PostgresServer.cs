using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Workbooks.Tests.Runs;

/// <summary>
/// A throwaway PostgreSQL server for the tests: a cluster initialised in a temporary folder, listening on a
/// free loopback port, stopped and deleted at the end. The binaries are looked up at run time (initdb on PATH,
/// else the newest <c>/usr/lib/postgresql/VERSION/bin</c>); without them <see cref="Unavailable"/> says why and
/// the PostgreSQL tests skip. initdb refuses to run as root, so as root the server runs as the postgres user.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string User = "workbooks";
    readonly string? bin, folder, data;
    readonly bool asPostgresUser;
    int databases;

    public PostgresServer()
    {
        bin = FindBin();
        if (bin is null)
        {
            Unavailable = "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin; .ci/install-deps.sh installs them";
            return;
        }
        asPostgresUser = Environment.UserName == "root";
        folder = Path.Combine(Path.GetTempPath(), "workbooks-pg-" + Guid.NewGuid().ToString("N")[..12]);
        data = Path.Combine(folder, "data");
        Directory.CreateDirectory(folder);
        try
        {
            if (asPostgresUser) Run("chown", ["postgres", folder], asPostgres: false);
            Port = FreePort();
            // -N: no fsync; the cluster is thrown away, and the tests should not wait on the disk.
            Run(Path.Combine(bin, "initdb"), ["-D", data, "-A", "trust", "-U", User, "-E", "UTF8", "--locale=C", "-N"]);
            Start();
        }
        catch (Exception e)
        {
            Unavailable = $"the test PostgreSQL server did not start: {e.Message}";
            Dispose();
        }
    }

    /// <summary>Starts the server (again, after <see cref="Crash"/>) on the same port and data.</summary>
    public void Start()
    {
        Run(Path.Combine(bin!, "pg_ctl"), ["-D", data!, "-l", Path.Combine(folder!, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start"]);
        Started = true;
    }

    /// <summary>Stops the server at once, as a crash or a lost network would: every session is cut mid-way.</summary>
    public void Crash()
    {
        Run(Path.Combine(bin!, "pg_ctl"), ["-D", data!, "-w", "stop", "-m", "immediate"]);
        Started = false;
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Why the PostgreSQL tests skip; null when the server runs.</summary>
    public string? Unavailable { get; }
    public bool Started { get; private set; }
    public int Port { get; }

    /// <summary>A new, empty database on the server, named by a postgres:// URL.</summary>
    public string NewDatabase()
    {
        var name = $"t{Interlocked.Increment(ref databases)}_{Guid.NewGuid().ToString("N")[..8]}";
        Execute("postgres", $"CREATE DATABASE {name}");
        return $"postgres://{User}@127.0.0.1:{Port}/{name}";
    }

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = User, Database = database, Pooling = false }.ConnectionString;

    public object? Execute(string database, string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString(database));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        if (Started)
        {
            NpgsqlConnection.ClearAllPools();
            try { Run(Path.Combine(bin!, "pg_ctl"), ["-D", data!, "-w", "stop", "-m", "fast"]); } catch (Exception) { }
            Started = false;
        }
        if (folder is not null)
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }

    static string? FindBin()
    {
        var onPath = FactWhenOnPathAttribute.Find("initdb");
        if (onPath is not null && File.Exists(Path.Combine(Path.GetDirectoryName(onPath)!, "pg_ctl"))) return Path.GetDirectoryName(onPath);
        const string debian = "/usr/lib/postgresql";
        if (!Directory.Exists(debian)) return null;
        return Directory.GetDirectories(debian)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")) && File.Exists(Path.Combine(x.Dir, "pg_ctl")))
            .OrderByDescending(x => x.Version).Select(x => x.Dir).FirstOrDefault();
    }

    static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    void Run(string program, string[] args, bool asPostgres = true)
    {
        var info = asPostgres && asPostgresUser
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", program, .. args])
            : new ProcessStartInfo(program, args);
        info.RedirectStandardOutput = info.RedirectStandardError = true;
        info.WorkingDirectory = folder ?? Path.GetTempPath(); // the postgres user may not be able to read the current folder
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) { process.Kill(true); throw new TimeoutException($"{Path.GetFileName(program)} did not finish"); }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited {process.ExitCode}: {stderr.Result}{stdout.Result}");
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
