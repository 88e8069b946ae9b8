using System.Globalization;
using System.Data.Common;
using Workbooks.IO;
using Workbooks.Torch;

namespace Workbooks.Runs;

/// <summary>
/// Runs, their configs, results and metrics in a database, with each run's artifacts in
/// <c>artifacts/&lt;runId&gt;/</c>. The database is an embedded SQLite file (<c>runs.db</c> in the store's
/// folder) by default, or a PostgreSQL server (<see cref="PostgresBackend"/>) that workers on several
/// machines share, with the artifacts in a folder they can all reach. Safe to use from several threads and
/// processes at once: every call opens its own (pooled) connection and keeps its transaction short, and
/// transient conflicts (a busy SQLite file, a PostgreSQL serialization failure) are retried. Opening it marks interrupted the runs whose process is gone and removes what killed writers left
/// half-written (<see cref="WriterTemps"/>). What differs between databases lives in a
/// <see cref="StoreBackend"/>; the store's logic and SQL are shared.
/// </summary>
public sealed class RunStore : IDisposable
{
    const string DatabaseFile = "runs.db", ArtifactsFolder = "artifacts";
    const string Columns = "id, experiment, name, config_json, config_hash, seed, status, started_at, ended_at, " +
                           "device, library_version, error, result_json, host, pid";
    static readonly TimeSpan BusyBudget = TimeSpan.FromSeconds(60);

    readonly StoreBackend backend;

    /// <summary>How long a claim or a claimed run stays alive without a heartbeat. A process that stops
    /// renewing it for longer (killed on another host, hung) is taken to be gone.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a claim's owner renews it; a quarter of the lease unless set.</summary>
    public TimeSpan HeartbeatInterval
    {
        get => heartbeatInterval ?? Lease / 4;
        set => heartbeatInterval = value;
    }
    TimeSpan? heartbeatInterval;

    /// <summary>How often a process waiting for another's claim on the same job looks again.</summary>
    public TimeSpan ClaimPollInterval { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The store's folder: for SQLite the one holding runs.db and artifacts/; for PostgreSQL the
    /// artifacts folder.</summary>
    public string Root { get; }

    /// <summary>Where the runs' artifact folders go.</summary>
    public string ArtifactsRoot { get; }

    /// <summary>Names the database in messages: the SQLite file's path, or <c>postgres://user@host:port/db</c>
    /// (never a password).</summary>
    public string Location => backend.Location;

    /// <summary>The same as <see cref="Location"/>: the SQLite file's path for an embedded store.</summary>
    public string DatabasePath => backend.Location;

    /// <summary>True when the store lives on a PostgreSQL server.</summary>
    public bool IsServer => backend is PostgresBackend;

    /// <summary>The code version that goes into config hashes and run records: by default the library's
    /// version, so a new library release never replays results an older one computed.</summary>
    public string CodeVersion { get; set; } = TorchRuntime.LibraryVersion;

    /// <summary>The store named by WORKBOOKS_STORE (a folder, a postgres:// URL or a connection string), else
    /// <see cref="DefaultDirectory"/>.</summary>
    public static string DefaultLocation =>
        Environment.GetEnvironmentVariable("WORKBOOKS_STORE") is { Length: > 0 } store ? store : DefaultDirectory;

    /// <summary>True when <paramref name="location"/> names a PostgreSQL store (a postgres:// URL or a Host=...
    /// connection string) rather than a folder.</summary>
    public static bool NamesServer(string location) => PostgresBackend.Names(location);

    /// <summary>The folder named by the WORKBOOKS_RUNS environment variable, else ./runs.</summary>
    public static string DefaultDirectory =>
        Path.GetFullPath(Environment.GetEnvironmentVariable("WORKBOOKS_RUNS") is { Length: > 0 } dir ? dir : "runs");

    RunStore(string root, string artifactsRoot, StoreBackend backend)
    {
        Root = root;
        ArtifactsRoot = artifactsRoot;
        this.backend = backend;
    }

    /// <summary>
    /// Opens a store, creating its schema when missing. <paramref name="location"/> is a folder (SQLite), a
    /// <c>postgres://USER@HOST:PORT/DB</c> URL or an Npgsql connection string. <paramref name="artifacts"/>
    /// is where run folders go (else WORKBOOKS_ARTIFACTS, else, for SQLite, the store folder's artifacts/); a
    /// PostgreSQL store needs one, a folder every worker can reach. A store that cannot be opened (no
    /// server, refused credentials, a schema newer than this library) is an error naming it, and leaves
    /// nothing written.
    /// </summary>
    public static RunStore Open(string location, string? artifacts = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        artifacts ??= Environment.GetEnvironmentVariable("WORKBOOKS_ARTIFACTS") is { Length: > 0 } env ? env : null;
        if (PostgresBackend.Names(location))
        {
            var server = PostgresBackend.Parse(location);
            if (artifacts is null)
                throw new ArgumentException(
                    $"The run store {server.Location} needs an artifacts folder that every worker can reach: pass --artifacts PATH or set WORKBOOKS_ARTIFACTS.");
            var shared = Path.GetFullPath(artifacts);
            var store = new RunStore(shared, shared, server);
            store.Initialize();
            Directory.CreateDirectory(shared);
            // artifacts/, each run's folder and its checkpoints/ (only this host's dead writers are removed).
            WriterTemps.SweepTree(shared, depth: 2);
            return store;
        }
        var root = Path.GetFullPath(location);
        var artifactsRoot = artifacts is null ? Path.Combine(root, ArtifactsFolder) : Path.GetFullPath(artifacts);
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(artifactsRoot);
        var local = new RunStore(root, artifactsRoot, new SqliteBackend(Path.Combine(root, DatabaseFile)));
        local.Initialize();
        // The store, artifacts/, each run's folder and its checkpoints/: where atomic writers put temporaries.
        WriterTemps.SweepTree(root, depth: 3);
        if (artifacts is not null) WriterTemps.SweepTree(artifactsRoot, depth: 2);
        return local;
    }

    // Migrates the schema and recovers what dead processes left running; on failure, closes the backend and
    // throws the backend's explanation (naming the store) when it has one.
    void Initialize()
    {
        try
        {
            Retry(() =>
            {
                using var connection = backend.Connect();
                backend.Prepare(connection);
                Schema.Migrate(connection, backend);
                return 0;
            });
            RecoverStale();
        }
        catch (Exception e)
        {
            backend.Dispose();
            if (backend.ExplainOpenFailure(e) is { } explained) throw explained;
            throw;
        }
    }

    /// <summary>Records a new run as running and returns it.</summary>
    public RunRecord Begin(string experiment, string name, object? config, long seed, string device) =>
        Begin(experiment, name, config, seed, device, heartbeat: false);

    /// <summary>With <paramref name="heartbeat"/>, the run starts with a heartbeat (a claimed run, whose claim
    /// renews it): were its process to die before the first renewal, on any host, the run still goes silent
    /// and is recovered, rather than staying running forever.</summary>
    internal RunRecord Begin(string experiment, string name, object? config, long seed, string device, bool heartbeat)
    {
        ArgumentException.ThrowIfNullOrEmpty(experiment);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(device);
        var run = new RunRecord(Guid.NewGuid().ToString(), experiment, name, ConfigHash.CanonicalJson(config),
            ConfigHash.Of(config, seed, CodeVersion), seed, RunStatus.Running, DateTime.UtcNow, null, device,
            CodeVersion, null, null, Environment.MachineName, Environment.ProcessId);
        Write((c, tx) => Execute(c, tx,
            $"INSERT INTO runs ({Columns}, heartbeat_at) VALUES (@id, @experiment, @name, @config, @hash, @seed, @status, @started, NULL, " +
            "@device, @version, NULL, NULL, @host, @pid, @heartbeat)",
            ("@id", run.Id), ("@experiment", experiment), ("@name", name), ("@config", run.ConfigJson),
            ("@hash", run.ConfigHash), ("@seed", seed), ("@status", run.Status.ToText()), ("@started", Timestamp(run.StartedAt)),
            ("@device", device), ("@version", CodeVersion), ("@host", run.Host), ("@pid", (long)run.Pid),
            ("@heartbeat", heartbeat ? Timestamp(run.StartedAt) : null)));
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
                    "INSERT INTO metrics (run_id, step, tokens, name, value) VALUES (@run, @step, @tokens, @name, @value)",
                    ("@run", runId), ("@step", 0L), ("@tokens", 0L), ("@name", ""), ("@value", null));
                foreach (var p in batch)
                {
                    insert.Parameters["@step"].Value = p.Step;
                    insert.Parameters["@tokens"].Value = p.Tokens;
                    insert.Parameters["@name"].Value = p.Name;
                    // SQLite cannot store NaN; NULL stands for it and reads back as NaN.
                    insert.Parameters["@value"].Value = double.IsNaN(p.Value) ? DBNull.Value : p.Value;
                    insert.ExecuteNonQuery();
                }
            });
        }
        catch (Exception e) when (backend.IsForeignKeyViolation(e))
        {
            throw new KeyNotFoundException($"Cannot log metrics: no run {runId} in {DatabasePath}.", e);
        }
    }

    /// <summary>Marks a running run finished, storing its result (JSON) for later replays.</summary>
    public void Finish(string runId, string? resultJson) => End(runId, RunStatus.Finished, null, resultJson);

    public void Fail(string runId, string error) => End(runId, RunStatus.Failed, error, null);

    public void Cancel(string runId) => End(runId, RunStatus.Cancelled, null, null);

    /// <summary>Marks this process's run interrupted (it stopped without finishing and should resume from its last
    /// checkpoint), as <see cref="RecoverStale"/> does for a process that died.</summary>
    public void Interrupt(string runId, string why) => End(runId, RunStatus.Interrupted, why, null);

    public RunRecord? Get(string runId) =>
        Read(c => ReadRuns(Command(c, null, $"SELECT {Columns} FROM runs WHERE id = @id", ("@id", runId))).FirstOrDefault());

    /// <summary>The latest finished run with this config hash. Running, failed and cancelled runs never count.</summary>
    public RunRecord? FindFinished(string configHash) =>
        Read(c => ReadRuns(Command(c, null,
            $"SELECT {Columns} FROM runs WHERE config_hash = @hash AND status = 'finished' ORDER BY ended_at DESC",
            ("@hash", configHash))).FirstOrDefault());

    /// <summary>All runs (of one experiment, if given) in start order, including ones left running by a
    /// process that died.</summary>
    public IReadOnlyList<RunRecord> List(string? experiment = null) =>
        Read(c => ReadRuns(experiment is null
            ? Command(c, null, $"SELECT {Columns} FROM runs ORDER BY started_at, id")
            : Command(c, null, $"SELECT {Columns} FROM runs WHERE experiment = @e ORDER BY started_at, id", ("@e", experiment))));

    /// <summary>A run's metrics (one of them, if named) ordered by name, then step.</summary>
    public IReadOnlyList<MetricPoint> Metrics(string runId, string? name = null) => Read(c =>
    {
        using var query = name is null
            ? Command(c, null, "SELECT step, tokens, name, value FROM metrics WHERE run_id = @run ORDER BY name, step", ("@run", runId))
            : Command(c, null, "SELECT step, tokens, name, value FROM metrics WHERE run_id = @run AND name = @name ORDER BY step",
                ("@run", runId), ("@name", name));
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
        var path = Path.Combine(ArtifactsRoot, runId);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Removes a run, its metrics and its artifacts. Returns false when there was no such run.</summary>
    public bool Delete(string runId)
    {
        var existed = Write((c, tx) =>
        {
            Execute(c, tx, "DELETE FROM metrics WHERE run_id = @id", ("@id", runId));
            return Execute(c, tx, "DELETE FROM runs WHERE id = @id", ("@id", runId)) > 0;
        });
        if (Guid.TryParse(runId, out _))
        {
            var artifacts = Path.Combine(ArtifactsRoot, runId);
            if (Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true);
        }
        return existed;
    }

    /// <summary>
    /// Marks interrupted the runs still recorded as running whose process is gone: on this host, its pid is
    /// no longer alive; on any host, a claimed run whose heartbeat is older than <see cref="Lease"/>. Removes
    /// the claims of such owners too. Returns the runs' ids. Runs of other hosts without a heartbeat are left
    /// alone: their processes cannot be checked here. <see cref="Open"/> calls it, so every command sees them.
    /// </summary>
    public IReadOnlyList<string> RecoverStale()
    {
        var host = Environment.MachineName;
        var staleBefore = Timestamp(DateTime.UtcNow - Lease);
        var candidates = Read(c => ReadRunsWithHeartbeat(Command(c, null,
            $"SELECT {Columns}, heartbeat_at FROM runs WHERE status = 'running'")));
        var recovered = new List<string>();
        foreach (var (run, heartbeat) in candidates)
        {
            var dead = run.Host == host && !WriterTemps.IsAlive(run.Pid);
            var silent = heartbeat is not null && string.CompareOrdinal(heartbeat, staleBefore) < 0;
            if (!dead && !silent) continue;
            var why = dead
                ? $"Process {run.Pid} on {host} ended without finishing the run."
                : $"Process {run.Pid} on {run.Host} stopped renewing the run (last heartbeat {heartbeat}).";
            var changed = Write((c, tx) => Execute(c, tx,
                "UPDATE runs SET status = 'interrupted', ended_at = @ended, error = @error WHERE id = @id AND status = 'running' " +
                "AND pid = @pid AND host = @host",
                ("@ended", Timestamp(DateTime.UtcNow)), ("@error", why), ("@id", run.Id), ("@pid", (long)run.Pid), ("@host", run.Host)));
            if (changed == 1) recovered.Add(run.Id); // else it ended, or was resumed by a live process, meanwhile
        }
        foreach (var claim in Read(c => ReadClaims(Command(c, null, "SELECT config_hash, owner_host, owner_pid, owner_token, expires_at FROM claims"))))
            if (Abandoned(claim))
                Write((c, tx) => Execute(c, tx, "DELETE FROM claims WHERE config_hash = @hash AND owner_token = @token",
                    ("@hash", claim.Hash), ("@token", claim.Token)));
        return recovered;
    }

    /// <summary>
    /// Claims the job with this config hash for this process, or returns null while another live owner holds
    /// it. An abandoned claim (its owner's process is gone on this host, or its lease expired) is taken over
    /// in the same transaction. The claim renews itself every <see cref="HeartbeatInterval"/> until disposed.
    /// </summary>
    public JobClaim? TryClaim(string configHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(configHash);
        var token = Guid.NewGuid().ToString("N");
        var won = Write((c, tx) =>
        {
            var held = ReadClaims(Command(c, tx,
                "SELECT config_hash, owner_host, owner_pid, owner_token, expires_at FROM claims WHERE config_hash = @hash",
                ("@hash", configHash))).FirstOrDefault();
            if (held is not null && Abandoned(held))
                Execute(c, tx, "DELETE FROM claims WHERE config_hash = @hash AND owner_token = @token",
                    ("@hash", configHash), ("@token", held.Token));
            var now = DateTime.UtcNow;
            // ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike): a second claimant inserts nothing and learns it lost.
            return Execute(c, tx,
                "INSERT INTO claims (config_hash, run_id, owner_host, owner_pid, owner_token, claimed_at, heartbeat_at, expires_at) " +
                "VALUES (@hash, NULL, @host, @pid, @token, @now, @now, @expires) ON CONFLICT (config_hash) DO NOTHING",
                ("@hash", configHash), ("@host", Environment.MachineName), ("@pid", (long)Environment.ProcessId),
                ("@token", token), ("@now", Timestamp(now)), ("@expires", Timestamp(now + Lease))) == 1;
        });
        return won ? new JobClaim(this, configHash, token) : null;
    }

    /// <summary>Who holds the claim on a job now (host, pid), or null when nobody does.</summary>
    public (string Host, int Pid)? ClaimOwner(string configHash) =>
        Read(c => ReadClaims(Command(c, null,
            "SELECT config_hash, owner_host, owner_pid, owner_token, expires_at FROM claims WHERE config_hash = @hash",
            ("@hash", configHash))).Select(x => ((string, int)?)(x.Host, x.Pid)).FirstOrDefault());

    /// <summary>Every claim held now: which job, which run it computes, who holds it and when it last renewed it.</summary>
    public IReadOnlyList<ClaimInfo> Claims() => Read(c =>
    {
        using var query = Command(c, null,
            "SELECT config_hash, run_id, owner_host, owner_pid, claimed_at, heartbeat_at, expires_at FROM claims ORDER BY claimed_at, config_hash");
        using var r = query.ExecuteReader();
        var claims = new List<ClaimInfo>();
        while (r.Read())
            claims.Add(new ClaimInfo(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), (int)r.GetInt64(3),
                ParseTimestamp(r.GetString(4)), ParseTimestamp(r.GetString(5)), ParseTimestamp(r.GetString(6))));
        return claims;
    });

    /// <summary>Renews a claim's lease and its run's heartbeat; false when the claim is no longer this owner's.</summary>
    internal bool Renew(string configHash, string token, string? runId)
    {
        var now = DateTime.UtcNow;
        return Write((c, tx) =>
        {
            var mine = Execute(c, tx,
                "UPDATE claims SET heartbeat_at = @now, expires_at = @expires, run_id = @run WHERE config_hash = @hash AND owner_token = @token",
                ("@now", Timestamp(now)), ("@expires", Timestamp(now + Lease)), ("@run", runId), ("@hash", configHash), ("@token", token)) == 1;
            if (mine && runId is not null)
                Execute(c, tx, "UPDATE runs SET heartbeat_at = @now WHERE id = @id AND status = 'running'",
                    ("@now", Timestamp(now)), ("@id", runId));
            return mine;
        });
    }

    internal void Release(string configHash, string token) =>
        Write((c, tx) => Execute(c, tx, "DELETE FROM claims WHERE config_hash = @hash AND owner_token = @token",
            ("@hash", configHash), ("@token", token)));

    /// <summary>The newest run of this job that was interrupted (see <see cref="RecoverStale"/>, called first) or
    /// cancelled: the one to resume. Ask while holding the job's claim, so that no other process resumes it too.</summary>
    public RunRecord? FindResumable(string configHash)
    {
        RecoverStale(); // the claim may just have been taken over from an owner that died since the store was opened
        return Read(c => ReadRuns(Command(c, null,
            $"SELECT {Columns} FROM runs WHERE config_hash = @hash AND status IN ('interrupted', 'cancelled') " +
            "ORDER BY started_at DESC, id", ("@hash", configHash))).FirstOrDefault());
    }

    /// <summary>Marks an interrupted or cancelled run running again, now owned by this process.</summary>
    public RunRecord Reopen(string runId)
    {
        var changed = Write((c, tx) => Execute(c, tx,
            "UPDATE runs SET status = 'running', ended_at = NULL, error = NULL, host = @host, pid = @pid, heartbeat_at = @now " +
            "WHERE id = @id AND status IN ('interrupted', 'cancelled')",
            ("@host", Environment.MachineName), ("@pid", (long)Environment.ProcessId), ("@now", Timestamp(DateTime.UtcNow)), ("@id", runId)));
        if (changed != 1) throw new InvalidOperationException($"Run {runId} cannot be resumed: it is not interrupted or cancelled.");
        return Get(runId)!;
    }

    /// <summary>Removes a run's metric points after a step (a resumed run recomputes them), and those whose
    /// name starts with <paramref name="namePrefix"/> whatever their step (final scores).</summary>
    public void DeleteMetrics(string runId, long afterStep, string? namePrefix = null) =>
        Write((c, tx) =>
        {
            Execute(c, tx, "DELETE FROM metrics WHERE run_id = @id AND step > @step", ("@id", runId), ("@step", afterStep));
            if (namePrefix is not null)
                Execute(c, tx, "DELETE FROM metrics WHERE run_id = @id AND substr(name, 1, @n) = @prefix",
                    ("@id", runId), ("@n", namePrefix.Length), ("@prefix", namePrefix));
        });

    sealed record ClaimRow(string Hash, string Host, int Pid, string Token, string ExpiresAt);

    bool Abandoned(ClaimRow claim) =>
        (claim.Host == Environment.MachineName && !WriterTemps.IsAlive(claim.Pid))
        || string.CompareOrdinal(claim.ExpiresAt, Timestamp(DateTime.UtcNow)) < 0;

    static List<ClaimRow> ReadClaims(DbCommand query)
    {
        using (query)
        using (var r = query.ExecuteReader())
        {
            var claims = new List<ClaimRow>();
            while (r.Read()) claims.Add(new ClaimRow(r.GetString(0), r.GetString(1), (int)r.GetInt64(2), r.GetString(3), r.GetString(4)));
            return claims;
        }
    }

    /// <summary>Closes the pooled connections to this store's database (so its files can be moved or deleted).</summary>
    public void Dispose()
    {
        backend.Dispose();
    }

    // Only the run's owner (the host and process recorded on it) ends it: a process that lost its claim while it
    // was still alive (frozen past its lease) must not finish, fail or cancel the run another worker took over.
    void End(string runId, RunStatus status, string? error, string? resultJson)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        Write((c, tx) =>
        {
            var changed = Execute(c, tx,
                "UPDATE runs SET status = @status, ended_at = @ended, error = @error, result_json = @result " +
                "WHERE id = @id AND status = 'running' AND host = @host AND pid = @pid",
                ("@status", status.ToText()), ("@ended", Timestamp(DateTime.UtcNow)), ("@error", error),
                ("@result", resultJson), ("@id", runId), ("@host", Environment.MachineName), ("@pid", (long)Environment.ProcessId));
            if (changed == 1) return;
            var current = ReadRuns(Command(c, tx, $"SELECT {Columns} FROM runs WHERE id = @id", ("@id", runId))).FirstOrDefault();
            throw current switch
            {
                null => new KeyNotFoundException($"No run {runId} in {Location}."),
                _ when current.Host != Environment.MachineName || current.Pid != Environment.ProcessId =>
                    new RunTakenOverException(runId, current.Host, current.Pid),
                _ => new InvalidOperationException($"Run {runId} is already {current.Status.ToText()}; only a running run can be marked {status.ToText()}."),
            };
        });
    }

    /// <summary>How long a lost connection is retried (the server restarting, a network blip) before the store's
    /// operations give up with a <see cref="StoreConnectionLostException"/>.</summary>
    public TimeSpan ReconnectBudget { get; set; } = TimeSpan.FromSeconds(10);

    T Retry<T>(Func<T> work)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        return StoreRetry.Run(work, e => backend.IsTransient(e) || (backend.IsConnectionLost(e) && clock.Elapsed < ReconnectBudget), BusyBudget);
    }

    // Every read and write after the store opened: a connection that cannot be had back within the reconnect budget
    // becomes one clear error naming the store. (Opening has its own explanations, in the backends.)
    T Guarded<T>(Func<T> work)
    {
        try { return Retry(work); }
        catch (Exception e) when (backend.IsConnectionLost(e)) { throw new StoreConnectionLostException(Location, e); }
    }

    T Read<T>(Func<DbConnection, T> query) => Guarded(() =>
    {
        using var connection = backend.Connect();
        return query(connection);
    });

    void Write(Action<DbConnection, DbTransaction> work) => Write((c, tx) => { work(c, tx); return 0; });

    T Write<T>(Func<DbConnection, DbTransaction, T> work) => Guarded(() =>
    {
        using var connection = backend.Connect();
        using var tx = backend.BeginWrite(connection);
        var result = work(connection, tx);
        tx.Commit();
        return result;
    });

    static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql,
        params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    static int Execute(DbConnection connection, DbTransaction tx, string sql,
        params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, tx, sql, parameters);
        return command.ExecuteNonQuery();
    }

    static List<RunRecord> ReadRuns(DbCommand query)
    {
        using (query)
        using (var r = query.ExecuteReader())
        {
            var runs = new List<RunRecord>();
            while (r.Read()) runs.Add(ReadRun(r));
            return runs;
        }
    }

    static List<(RunRecord Run, string? Heartbeat)> ReadRunsWithHeartbeat(DbCommand query)
    {
        using (query)
        using (var r = query.ExecuteReader())
        {
            var runs = new List<(RunRecord, string?)>();
            while (r.Read()) runs.Add((ReadRun(r), r.IsDBNull(15) ? null : r.GetString(15)));
            return runs;
        }
    }

    static RunRecord ReadRun(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
            r.GetInt64(5), RunStatusText.Parse(r.GetString(6)), ParseTimestamp(r.GetString(7)),
            r.IsDBNull(8) ? null : ParseTimestamp(r.GetString(8)), r.GetString(9), r.GetString(10),
            r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12),
            r.GetString(13), (int)r.GetInt64(14));

    // ISO-8601 UTC with 100 ns resolution: sorts as text and reads back to the same DateTime.
    static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    static DateTime ParseTimestamp(string text) =>
        DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
}

/// <summary>A claim on a job (<see cref="RunStore.Claims"/>): its config hash, the run it computes (once started), the
/// owner's host and pid, and its times (UTC).</summary>
/// <summary>
/// The run store stopped answering after it was opened (its server went down, the network dropped) and did not
/// come back within <see cref="RunStore.ReconnectBudget"/>. Nothing is half-written: every write is one
/// transaction. A run in progress stops; it is recorded interrupted (by this process if the store comes back in
/// time, else by the next process that opens the store) and resumes from its last checkpoint.
/// </summary>
public sealed class StoreConnectionLostException(string location, Exception inner)
    : IOException($"Lost the connection to the run store {location}: {Innermost(inner).Message}", inner)
{
    public string Location { get; } = location;

    static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}

public sealed record ClaimInfo(string ConfigHash, string? RunId, string Host, int Pid, DateTime ClaimedAt, DateTime HeartbeatAt, DateTime ExpiresAt)
{
    public TimeSpan HeartbeatAge(DateTime nowUtc) => nowUtc - HeartbeatAt;
}

/// <summary>A run this process began or resumed is now another process's (it took the job over after this one's
/// lease ran out): this process must leave it alone.</summary>
public sealed class RunTakenOverException(string runId, string host, int pid)
    : InvalidOperationException($"Run {runId} was taken over by process {pid} on {host}; this process no longer owns it.")
{
    public string RunId { get; } = runId;
}
