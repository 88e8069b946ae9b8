using System.Data.Common;

namespace Workbooks.Runs;

/// <summary>
/// The store's tables, as numbered migrations recorded in <c>schema_version</c>.
/// The SQL stays standard so the same schema can live on a server database: BIGINT and DOUBLE PRECISION
/// rather than INTEGER and REAL (which are 32-bit integers and single floats on PostgreSQL; SQLite gives
/// them integer and real affinity), text timestamps in ISO-8601 UTC, no AUTOINCREMENT.
/// </summary>
internal static class Schema
{
    // Entry i moves a database from version i to i + 1. Append new entries; never edit a released one.
    static readonly string[][] Migrations =
    [
        [
            """
            CREATE TABLE runs (
                id TEXT NOT NULL PRIMARY KEY,
                experiment TEXT NOT NULL,
                name TEXT NOT NULL,
                config_json TEXT NOT NULL,
                config_hash TEXT NOT NULL,
                seed BIGINT NOT NULL,
                status TEXT NOT NULL,
                started_at TEXT NOT NULL,
                ended_at TEXT,
                device TEXT NOT NULL,
                library_version TEXT NOT NULL,
                error TEXT,
                result_json TEXT,
                host TEXT NOT NULL,
                pid BIGINT NOT NULL)
            """,
            """
            CREATE TABLE metrics (
                run_id TEXT NOT NULL REFERENCES runs (id),
                step BIGINT NOT NULL,
                tokens BIGINT NOT NULL,
                name TEXT NOT NULL,
                value DOUBLE PRECISION)
            """,
            "CREATE INDEX metrics_run_name ON metrics (run_id, name)",
            "CREATE INDEX runs_config_hash ON runs (config_hash, status)",
            "CREATE INDEX runs_experiment ON runs (experiment)",
        ],
        [
            // Set only while a claimed job trains (RunCache): a running run whose heartbeat stopped is abandoned.
            "ALTER TABLE runs ADD COLUMN heartbeat_at TEXT",
            // One row per job being computed: whoever inserts it first trains, everyone else waits and replays.
            // The primary key is the lock (an INSERT that conflicts loses); expires_at is the lease a
            // heartbeat renews, so a claim whose owner died or hangs is taken over.
            """
            CREATE TABLE claims (
                config_hash TEXT NOT NULL PRIMARY KEY,
                run_id TEXT,
                owner_host TEXT NOT NULL,
                owner_pid BIGINT NOT NULL,
                owner_token TEXT NOT NULL,
                claimed_at TEXT NOT NULL,
                heartbeat_at TEXT NOT NULL,
                expires_at TEXT NOT NULL)
            """,
        ],
    ];

    public static int CurrentVersion => Migrations.Length;

    /// <summary>Brings the database up to <see cref="CurrentVersion"/> in one transaction, so two processes
    /// opening a new store at once cannot both migrate it.</summary>
    public static void Migrate(DbConnection connection, StoreBackend backend)
    {
        using var tx = backend.BeginWrite(connection);
        backend.LockForMigration(connection, tx);
        Execute(connection, tx, "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)");
        using var read = connection.CreateCommand();
        read.Transaction = tx;
        read.CommandText = "SELECT MAX(version) FROM schema_version";
        var version = read.ExecuteScalar() is { } v and not DBNull ? Convert.ToInt32(v) : 0;
        if (version > CurrentVersion)
            throw new InvalidOperationException(
                $"{backend.Location} has run store schema version {version}, newer than this library understands ({CurrentVersion}). Update Workbooks to open it.");
        if (version == CurrentVersion) { tx.Commit(); return; }
        for (var i = version; i < CurrentVersion; i++)
            foreach (var sql in Migrations[i]) Execute(connection, tx, sql);
        Execute(connection, tx, "DELETE FROM schema_version");
        Execute(connection, tx, $"INSERT INTO schema_version (version) VALUES ({CurrentVersion})");
        tx.Commit();
    }

    static void Execute(DbConnection connection, DbTransaction tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
