using Microsoft.Data.Sqlite;
using Workbooks.Runs;

namespace Workbooks.Tests.Runs;

/// <summary>One run store under test, on one backend: opened as often as a test likes (each open is a new
/// RunStore object, as another process would have), with raw SQL to play a crashed or foreign writer.</summary>
public interface ITestStore : IDisposable
{
    RunStore Open();
    /// <summary>Runs one statement against the store's database and returns its first value.</summary>
    object? Sql(string sql);
}

public sealed class SqliteTestStore : ITestStore
{
    readonly TempDirectory dir = new();
    public string Path => dir.Path;
    public RunStore Open() => RunStore.Open(dir.Path);

    public object? Sql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={System.IO.Path.Combine(dir.Path, "runs.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose() => dir.Dispose();
}

public sealed class PostgresTestStore(PostgresServer server) : ITestStore
{
    readonly TempDirectory artifacts = new();
    public string Url { get; } = server.NewDatabase();
    public string Database => Url[(Url.LastIndexOf('/') + 1)..];
    public string ArtifactsPath => artifacts.Path;
    public RunStore Open() => RunStore.Open(Url, artifacts.Path);
    public object? Sql(string sql) => server.Execute(Database, sql);

    public void Dispose()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        artifacts.Dispose();
    }
}

public static class TestStores
{
    /// <summary>A fresh database on the test server; the test skips, with the reason, where no server could be started.</summary>
    public static ITestStore Postgres(PostgresServer server)
    {
        Skip.If(server.Unavailable is not null, server.Unavailable);
        return new PostgresTestStore(server);
    }
}
