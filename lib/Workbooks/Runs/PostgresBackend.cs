using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace Workbooks.Runs;

/// <summary>
/// A run store on a PostgreSQL server, so that workers on several machines share one grid: the same tables
/// and migrations as SQLite, claims decided by the server (<c>INSERT ... ON CONFLICT DO NOTHING</c>). The
/// store is named by a URL, <c>postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?key=value...]</c>, or an Npgsql
/// connection string (<c>Host=...;Username=...;Database=...</c>). A password can also come from
/// <c>PGPASSWORD</c> or a pgpass file (Npgsql reads both); it never appears in <see cref="Location"/>.
/// </summary>
internal sealed class PostgresBackend : StoreBackend
{
    // Any fixed number: the transaction-scoped advisory lock that serialises migrations of one database.
    const long MigrationLock = 0x576f726b626f6f6b; // "Workbook"
    readonly string connectionString;
    readonly string host, database, user;
    readonly int port;

    PostgresBackend(NpgsqlConnectionStringBuilder builder)
    {
        host = builder.Host ?? "localhost";
        port = builder.Port;
        database = builder.Database ?? builder.Username ?? "";
        user = builder.Username ?? Environment.UserName;
        connectionString = builder.ConnectionString;
        Location = $"postgres://{user}@{host}:{port}/{database}";
    }

    public override string Location { get; }

    /// <summary>True when <paramref name="location"/> names a PostgreSQL store rather than a folder.</summary>
    public static bool Names(string location) =>
        location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || location.Contains("Host=", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads a URL or a connection string; a malformed one is an <see cref="ArgumentException"/>
    /// that quotes it without its password.</summary>
    public static PostgresBackend Parse(string location)
    {
        var builder = new NpgsqlConnectionStringBuilder();
        if (location.Contains("://"))
        {
            if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
                throw new ArgumentException($"'{Redact(location)}' is not a PostgreSQL URL (postgres://USER@HOST:PORT/DB).");
            builder.Host = uri.Host;
            builder.Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port;
            var userInfo = uri.UserInfo.Split(':', 2);
            if (userInfo[0].Length > 0) builder.Username = Uri.UnescapeDataString(userInfo[0]);
            if (userInfo.Length == 2) builder.Password = Uri.UnescapeDataString(userInfo[1]);
            var db = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
            if (db.Length > 0) builder.Database = db;
            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                try { builder[Uri.UnescapeDataString(kv[0])] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : ""; }
                catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
                {
                    throw new ArgumentException($"'{Redact(location)}': {e.Message}", e);
                }
            }
            // A server that does not answer should be reported in seconds, not after the driver's default.
            if (!uri.Query.Contains("timeout=", StringComparison.OrdinalIgnoreCase)) builder.Timeout = 10;
        }
        else
        {
            try { builder.ConnectionString = location; }
            catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
            {
                throw new ArgumentException($"'{Redact(location)}' is not a valid PostgreSQL connection string: {e.Message}", e);
            }
        }
        // pg_stat_activity then shows which worker each session belongs to.
        builder.ApplicationName ??= $"workbooks {Environment.MachineName}/{Environment.ProcessId}";
        // The store's transactions are a few statements long. A client that stops inside one (killed on a machine
        // that keeps the socket open, frozen, hung) would hold its row locks and block every other worker; the
        // server ends such a session after this long instead.
        builder.Options ??= "-c idle_in_transaction_session_timeout=30s";
        return new PostgresBackend(builder);
    }

    // The location as given, minus any password, for error messages.
    static string Redact(string location) =>
        System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(location, @"(://[^:/@]*):[^@/]*@", "$1:***@"),
            @"(?i)(password|pwd)\s*=[^;]*", "$1=***");

    public override DbConnection Connect()
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // Serialization failures and deadlocks: the transaction was rolled back whole and can run again.
    public override bool IsTransient(Exception e) => e is PostgresException { SqlState: "40001" or "40P01" };

    public override bool IsForeignKeyViolation(Exception e) => e is PostgresException { SqlState: "23503" };

    // Class 08 (connection exceptions), the server shutting down or starting up (57P01-57P03), and Npgsql's own
    // network failures (a closed socket, a refused connection, a timeout), which it raises as NpgsqlException.
    public override bool IsConnectionLost(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState is "57P01" or "57P02" or "57P03",
        NpgsqlException n => n.IsTransient || Unreachable(n) || Innermost(n) is IOException or SocketException or EndOfStreamException,
        _ => false,
    };

    public override void LockForMigration(DbConnection connection, DbTransaction tx)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"SELECT pg_advisory_xact_lock({MigrationLock})";
        command.ExecuteNonQuery();
    }

    public override Exception? ExplainOpenFailure(Exception e) => e switch
    {
        PostgresException { SqlState: "28P01" or "28000" } p =>
            new UnauthorizedAccessException($"The run store {Location} refused user '{user}': {p.MessageText}", p),
        PostgresException { SqlState: "3D000" } p =>
            new IOException($"The run store {Location} does not exist: the server has no database '{database}' ({p.MessageText}). Create it first, e.g. createdb -h {host} -p {port} -U {user} {database}.", p),
        PostgresException p => new IOException($"Cannot open the run store {Location}: {p.MessageText} (SQLSTATE {p.SqlState})", p),
        NpgsqlException n when Unreachable(n) =>
            new IOException($"Cannot reach the run store {Location}: no PostgreSQL server answers at {host}:{port} ({Innermost(n).Message})", n),
        NpgsqlException n => new IOException($"Cannot open the run store {Location}: {n.Message}", n),
        TimeoutException t => new IOException($"Cannot reach the run store {Location}: {t.Message}", t),
        _ => null,
    };

    static bool Unreachable(Exception e) =>
        Innermost(e) is SocketException or TimeoutException || e.InnerException is SocketException or TimeoutException;

    static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e;
    }

    public override void Dispose()
    {
        using var connection = new NpgsqlConnection(connectionString);
        NpgsqlConnection.ClearPool(connection);
    }
}
