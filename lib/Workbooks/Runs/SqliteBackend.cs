using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Workbooks.Runs;

/// <summary>The embedded store: one <c>runs.db</c> file in WAL mode, safe for several processes on one machine.</summary>
internal sealed class SqliteBackend : StoreBackend
{
    const int SqliteBusy = 5, SqliteLocked = 6, SqliteCorrupt = 11, SqliteNotADatabase = 26, SqliteForeignKeyFailed = 787;
    readonly string connectionString;

    public SqliteBackend(string databasePath)
    {
        Location = databasePath;
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30, // seconds a statement keeps retrying while another connection holds the lock
        }.ToString();
    }

    public override string Location { get; }

    public override DbConnection Connect()
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var pragmas = connection.CreateCommand();
            // NORMAL is crash-safe in WAL mode (a power cut may lose the last commits, never corrupt).
            pragmas.CommandText = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL";
            pragmas.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // BeginTransaction() issues BEGIN IMMEDIATE: the write lock is taken up front, so a transaction never
    // fails half-way trying to upgrade a read lock.
    public override DbTransaction BeginWrite(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction();

    public override bool IsTransient(Exception e) => e is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked };

    // A file on this machine has no connection to lose.
    public override bool IsConnectionLost(Exception e) => false;

    public override bool IsForeignKeyViolation(Exception e) => e is SqliteException { SqliteExtendedErrorCode: SqliteForeignKeyFailed };

    // WAL lets readers run beside one writer; the mode is stored in the file, so this is done once.
    public override void Prepare(DbConnection connection)
    {
        using var wal = connection.CreateCommand();
        wal.CommandText = "PRAGMA journal_mode = WAL";
        wal.ExecuteNonQuery();
    }

    public override Exception? ExplainOpenFailure(Exception e) => e switch
    {
        SqliteException { SqliteErrorCode: SqliteNotADatabase or SqliteCorrupt } s =>
            new InvalidDataException($"{Location} is not a valid run store database: {s.Message}", s),
        SqliteException s => new IOException($"Cannot open the run store database {Location}: {s.Message}", s),
        _ => null,
    };

    public override void Dispose()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
