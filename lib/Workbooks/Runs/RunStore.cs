using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Workbooks.Torch;

namespace Workbooks.Runs;

/// <summary>
/// Runs, their configs, results and metrics in an embedded SQLite database (<c>runs.db</c>), with each
/// run's artifacts in <c>artifacts/&lt;runId&gt;/</c> beside it. Safe to use from several threads and
/// processes at once: every call opens its own (pooled) connection and keeps its transaction short,
/// the database runs in WAL mode, and busy writers wait and retry.
/// </summary>
public sealed class RunStore : IDisposable
{
    const string DatabaseFile = "runs.db", ArtifactsFolder = "artifacts";
    const int SqliteCorrupt = 11, SqliteNotADatabase = 26, SqliteForeignKeyFailed = 787;
    const string Columns = "id, experiment, name, config_json, config_hash, seed, status, started_at, ended_at, " +
                           "device, library_version, error, result_json, host, pid";
    static readonly TimeSpan BusyBudget = TimeSpan.FromSeconds(60);

    readonly string connectionString;

    /// <summary>The store's folder, holding runs.db and artifacts/.</summary>
    public string Root { get; }
    public string DatabasePath { get; }

    /// <summary>The code version that goes into config hashes and run records: by default the library's
    /// version, so a new library release never replays results an older one computed.</summary>
    public string CodeVersion { get; set; } = TorchRuntime.LibraryVersion;

    /// <summary>The folder named by the WORKBOOKS_RUNS environment variable, else ./runs.</summary>
    public static string DefaultDirectory =>
        Path.GetFullPath(Environment.GetEnvironmentVariable("WORKBOOKS_RUNS") is { Length: > 0 } dir ? dir : "runs");

    RunStore(string root)
    {
        Root = root;
        DatabasePath = Path.Combine(root, DatabaseFile);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30, // seconds a statement keeps retrying while another connection holds the lock
        }.ToString();
    }

    /// <summary>Opens the store in <paramref name="directory"/>, creating it and its schema when missing.</summary>
    public static RunStore Open(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.GetFullPath(directory);
        Directory.CreateDirectory(Path.Combine(root, ArtifactsFolder));
        var store = new RunStore(root);
        try
        {
            SqliteRetry.Run(() =>
            {
                using var connection = store.Connect();
                // WAL lets readers run beside one writer; the mode is stored in the file, so this is done once.
                using (var wal = connection.CreateCommand())
                {
                    wal.CommandText = "PRAGMA journal_mode = WAL";
                    wal.ExecuteNonQuery();
                }
                Schema.Migrate(connection, store.DatabasePath);
                return 0;
            }, BusyBudget);
            return store;
        }
        catch (SqliteException e)
        {
            store.Dispose();
            if (e.SqliteErrorCode is SqliteNotADatabase or SqliteCorrupt)
                throw new InvalidDataException($"{store.DatabasePath} is not a valid run store database: {e.Message}", e);
            throw new IOException($"Cannot open the run store database {store.DatabasePath}: {e.Message}", e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Records a new run as running and returns it.</summary>
    public RunRecord Begin(string experiment, string name, object? config, long seed, string device)
    {
        ArgumentException.ThrowIfNullOrEmpty(experiment);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(device);
        var run = new RunRecord(Guid.NewGuid().ToString(), experiment, name, ConfigHash.CanonicalJson(config),
            ConfigHash.Of(config, seed, CodeVersion), seed, RunStatus.Running, DateTime.UtcNow, null, device,
            CodeVersion, null, null, Environment.MachineName, Environment.ProcessId);
        Write((c, tx) => Execute(c, tx,
            $"INSERT INTO runs ({Columns}) VALUES ($id, $experiment, $name, $config, $hash, $seed, $status, $started, NULL, " +
            "$device, $version, NULL, NULL, $host, $pid)",
            ("$id", run.Id), ("$experiment", experiment), ("$name", name), ("$config", run.ConfigJson),
            ("$hash", run.ConfigHash), ("$seed", seed), ("$status", run.Status.ToText()), ("$started", Timestamp(run.StartedAt)),
            ("$device", device), ("$version", CodeVersion), ("$host", run.Host), ("$pid", (long)run.Pid)));
        return run;
    }

    public void LogMetric(string runId, long step, long tokens, string name, double value) =>
        LogMetrics(runId, [new MetricPoint(step, tokens, name, value)]);

    /// <summary>Appends metric points in one transaction. NaN is kept (stored as NULL).</summary>
    public void LogMetrics(string runId, IEnumerable<MetricPoint> points)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var batch = points.ToList(); // a retry must not enumerate a lazy sequence twice
        if (batch.Count == 0) return;
        foreach (var p in batch) ArgumentException.ThrowIfNullOrEmpty(p.Name, nameof(MetricPoint.Name));
        try
        {
            Write((c, tx) =>
            {
                using var insert = Command(c, tx,
                    "INSERT INTO metrics (run_id, step, tokens, name, value) VALUES ($run, $step, $tokens, $name, $value)",
                    ("$run", runId), ("$step", 0L), ("$tokens", 0L), ("$name", ""), ("$value", null));
                foreach (var p in batch)
                {
                    insert.Parameters["$step"].Value = p.Step;
                    insert.Parameters["$tokens"].Value = p.Tokens;
                    insert.Parameters["$name"].Value = p.Name;
                    // SQLite cannot store NaN; NULL stands for it and reads back as NaN.
                    insert.Parameters["$value"].Value = double.IsNaN(p.Value) ? DBNull.Value : p.Value;
                    insert.ExecuteNonQuery();
                }
            });
        }
        catch (SqliteException e) when (e.SqliteExtendedErrorCode == SqliteForeignKeyFailed)
        {
            throw new KeyNotFoundException($"Cannot log metrics: no run {runId} in {DatabasePath}.", e);
        }
    }

    /// <summary>Marks a running run finished, storing its result (JSON) for later replays.</summary>
    public void Finish(string runId, string? resultJson) => End(runId, RunStatus.Finished, null, resultJson);

    public void Fail(string runId, string error) => End(runId, RunStatus.Failed, error, null);

    public void Cancel(string runId) => End(runId, RunStatus.Cancelled, null, null);

    public RunRecord? Get(string runId) =>
        Read(c => ReadRuns(Command(c, null, $"SELECT {Columns} FROM runs WHERE id = $id", ("$id", runId))).FirstOrDefault());

    /// <summary>The latest finished run with this config hash. Running, failed and cancelled runs never count.</summary>
    public RunRecord? FindFinished(string configHash) =>
        Read(c => ReadRuns(Command(c, null,
            $"SELECT {Columns} FROM runs WHERE config_hash = $hash AND status = 'finished' ORDER BY ended_at DESC",
            ("$hash", configHash))).FirstOrDefault());

    /// <summary>All runs (of one experiment, if given) in start order, including ones left running by a
    /// process that died.</summary>
    public IReadOnlyList<RunRecord> List(string? experiment = null) =>
        Read(c => ReadRuns(experiment is null
            ? Command(c, null, $"SELECT {Columns} FROM runs ORDER BY started_at, id")
            : Command(c, null, $"SELECT {Columns} FROM runs WHERE experiment = $e ORDER BY started_at, id", ("$e", experiment))));

    /// <summary>A run's metrics (one of them, if named) ordered by name, then step.</summary>
    public IReadOnlyList<MetricPoint> Metrics(string runId, string? name = null) => Read(c =>
    {
        using var query = name is null
            ? Command(c, null, "SELECT step, tokens, name, value FROM metrics WHERE run_id = $run ORDER BY name, step", ("$run", runId))
            : Command(c, null, "SELECT step, tokens, name, value FROM metrics WHERE run_id = $run AND name = $name ORDER BY step",
                ("$run", runId), ("$name", name));
        using var reader = query.ExecuteReader();
        var points = new List<MetricPoint>();
        while (reader.Read())
            points.Add(new MetricPoint(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2),
                reader.IsDBNull(3) ? double.NaN : reader.GetDouble(3)));
        return points;
    });

    /// <summary>The run's artifact folder (created if missing). What goes in it is the caller's: write with
    /// <see cref="IO.AtomicFile"/>.</summary>
    public string ArtifactDirectory(string runId)
    {
        if (!Guid.TryParse(runId, out _))
            throw new ArgumentException($"'{runId}' is not a run id (a UUID).", nameof(runId));
        var path = Path.Combine(Root, ArtifactsFolder, runId);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Removes a run, its metrics and its artifacts. Returns false when there was no such run.</summary>
    public bool Delete(string runId)
    {
        var existed = Write((c, tx) =>
        {
            Execute(c, tx, "DELETE FROM metrics WHERE run_id = $id", ("$id", runId));
            return Execute(c, tx, "DELETE FROM runs WHERE id = $id", ("$id", runId)) > 0;
        });
        if (Guid.TryParse(runId, out _))
        {
            var artifacts = Path.Combine(Root, ArtifactsFolder, runId);
            if (Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true);
        }
        return existed;
    }

    /// <summary>Marks failed the runs still recorded as running whose process, on this host, is gone.
    /// Returns their ids. Runs from other hosts are left alone: their processes cannot be checked here.</summary>
    public IReadOnlyList<string> RecoverStale()
    {
        var host = Environment.MachineName;
        var recovered = new List<string>();
        foreach (var run in List().Where(r => r.Status == RunStatus.Running && r.Host == host && !ProcessAlive(r.Pid)))
        {
            try
            {
                Fail(run.Id, $"Process {run.Pid} on {host} ended without finishing the run (found by RecoverStale).");
                recovered.Add(run.Id);
            }
            catch (InvalidOperationException) { } // it ended (or another process recovered it) meanwhile
        }
        return recovered;
    }

    /// <summary>Closes the pooled connections to this store's database (so its files can be moved or deleted).</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    void End(string runId, RunStatus status, string? error, string? resultJson)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        Write((c, tx) =>
        {
            var changed = Execute(c, tx,
                "UPDATE runs SET status = $status, ended_at = $ended, error = $error, result_json = $result " +
                "WHERE id = $id AND status = 'running'",
                ("$status", status.ToText()), ("$ended", Timestamp(DateTime.UtcNow)), ("$error", error),
                ("$result", resultJson), ("$id", runId));
            if (changed == 1) return;
            using var read = Command(c, tx, "SELECT status FROM runs WHERE id = $id", ("$id", runId));
            var current = read.ExecuteScalar() as string;
            throw current is null
                ? new KeyNotFoundException($"No run {runId} in {DatabasePath}.")
                : new InvalidOperationException($"Run {runId} is already {current}; only a running run can be marked {status.ToText()}.");
        });
    }

    SqliteConnection Connect()
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

    T Read<T>(Func<SqliteConnection, T> query) => SqliteRetry.Run(() =>
    {
        using var connection = Connect();
        return query(connection);
    }, BusyBudget);

    void Write(Action<SqliteConnection, SqliteTransaction> work) => Write((c, tx) => { work(c, tx); return 0; });

    // BeginTransaction() issues BEGIN IMMEDIATE: the write lock is taken up front, so a transaction never
    // fails half-way trying to upgrade a read lock.
    T Write<T>(Func<SqliteConnection, SqliteTransaction, T> work) => SqliteRetry.Run(() =>
    {
        using var connection = Connect();
        using var tx = connection.BeginTransaction();
        var result = work(connection, tx);
        tx.Commit();
        return result;
    }, BusyBudget);

    static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql,
        params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    static int Execute(SqliteConnection connection, SqliteTransaction tx, string sql,
        params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, tx, sql, parameters);
        return command.ExecuteNonQuery();
    }

    static List<RunRecord> ReadRuns(SqliteCommand query)
    {
        using (query)
        using (var r = query.ExecuteReader())
        {
            var runs = new List<RunRecord>();
            while (r.Read())
                runs.Add(new RunRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
                    r.GetInt64(5), RunStatusText.Parse(r.GetString(6)), ParseTimestamp(r.GetString(7)),
                    r.IsDBNull(8) ? null : ParseTimestamp(r.GetString(8)), r.GetString(9), r.GetString(10),
                    r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12),
                    r.GetString(13), (int)r.GetInt64(14)));
            return runs;
        }
    }

    // ISO-8601 UTC with 100 ns resolution: sorts as text and reads back to the same DateTime.
    static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    static DateTime ParseTimestamp(string text) =>
        DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    static bool ProcessAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
