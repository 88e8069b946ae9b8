using System.Net;
using System.Net.Sockets;
using Workbooks.Runs;

namespace Workbooks.Tests.Runs;

/// <summary>A PostgreSQL store that cannot be opened: each an error naming the store (never its password), nothing written.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreErrorsTests(PostgresServer server)
{
    [Fact]
    public void An_unreachable_server_is_named_with_its_host_and_port_and_nothing_is_created()
    {
        var port = ClosedPort();
        using var artifacts = new TempDirectory();
        var folder = Path.Combine(artifacts.Path, "shared");
        var e = Assert.Throws<IOException>(() => RunStore.Open($"postgres://someone:hunter2@127.0.0.1:{port}/grid", folder));
        Assert.Contains($"postgres://someone@127.0.0.1:{port}/grid", e.Message);
        Assert.Contains($"127.0.0.1:{port}", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.False(Directory.Exists(folder)); // no artifacts folder for a store that never opened
    }

    [SkippableFact]
    public void Credentials_the_server_refuses_are_an_error_naming_the_store_and_user_without_the_password()
    {
        Skip.If(server.Unavailable is not null, server.Unavailable);
        using var db = (PostgresTestStore)TestStores.Postgres(server);
        var url = $"postgres://intruder:hunter2@127.0.0.1:{server.Port}/{db.Database}";
        var e = Assert.Throws<UnauthorizedAccessException>(() => RunStore.Open(url, db.ArtifactsPath));
        Assert.Contains($"postgres://intruder@127.0.0.1:{server.Port}/{db.Database}", e.Message);
        Assert.Contains("'intruder'", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
        // Nothing was migrated into the database.
        Assert.Equal(0L, Convert.ToInt64(db.Sql("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")));
    }

    [SkippableFact]
    public void A_database_that_does_not_exist_is_named()
    {
        Skip.If(server.Unavailable is not null, server.Unavailable);
        using var artifacts = new TempDirectory();
        var e = Assert.Throws<IOException>(() => RunStore.Open($"postgres://{PostgresServer.User}@127.0.0.1:{server.Port}/no_such_db", artifacts.Path));
        Assert.Contains($"postgres://{PostgresServer.User}@127.0.0.1:{server.Port}/no_such_db", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [SkippableFact]
    public void A_server_store_needs_an_artifacts_folder()
    {
        Skip.If(server.Unavailable is not null, server.Unavailable);
        using var db = (PostgresTestStore)TestStores.Postgres(server);
        var before = Environment.GetEnvironmentVariable("WORKBOOKS_ARTIFACTS");
        try
        {
            Environment.SetEnvironmentVariable("WORKBOOKS_ARTIFACTS", null);
            var e = Assert.Throws<ArgumentException>(() => RunStore.Open(db.Url));
            Assert.Contains("--artifacts", e.Message);
            Assert.Contains(db.Url, e.Message);
        }
        finally { Environment.SetEnvironmentVariable("WORKBOOKS_ARTIFACTS", before); }
    }

    [SkippableFact]
    public void A_url_a_connection_string_and_the_environment_name_the_same_store()
    {
        Skip.If(server.Unavailable is not null, server.Unavailable);
        using var db = (PostgresTestStore)TestStores.Postgres(server);
        string id;
        // A password in the URL is used (trust accepts any) but never shown.
        using (var store = RunStore.Open($"postgres://{PostgresServer.User}:secret@127.0.0.1:{server.Port}/{db.Database}", db.ArtifactsPath))
        {
            Assert.Equal(db.Url, store.Location);
            Assert.True(store.IsServer);
            Assert.Equal(db.ArtifactsPath, store.ArtifactsRoot);
            id = store.Begin("e", "n", new { a = 1 }, 1, "cpu").Id;
        }
        using (var store = RunStore.Open($"Host=127.0.0.1;Port={server.Port};Username={PostgresServer.User};Database={db.Database}", db.ArtifactsPath))
            Assert.Equal(id, Assert.Single(store.List()).Id);
        var before = (Environment.GetEnvironmentVariable("WORKBOOKS_STORE"), Environment.GetEnvironmentVariable("WORKBOOKS_ARTIFACTS"));
        try
        {
            Environment.SetEnvironmentVariable("WORKBOOKS_STORE", db.Url);
            Environment.SetEnvironmentVariable("WORKBOOKS_ARTIFACTS", db.ArtifactsPath);
            using var runner = Workbooks.Experiments.Common.JobRunner.OpenDefault();
            Assert.Equal(id, Assert.Single(runner.Store.List()).Id);
        }
        finally
        {
            Environment.SetEnvironmentVariable("WORKBOOKS_STORE", before.Item1);
            Environment.SetEnvironmentVariable("WORKBOOKS_ARTIFACTS", before.Item2);
        }
    }

    [Fact]
    public void A_malformed_url_is_an_argument_error_without_the_password()
    {
        var e = Assert.Throws<ArgumentException>(() => RunStore.Open("postgres://u:hunter2@127.0.0.1:5432/db?nosuchoption=1", "/tmp"));
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.Contains("nosuchoption", e.Message);
    }

    static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now: connecting is refused at once
        return port;
    }
}
