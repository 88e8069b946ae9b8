using System.Net;
using System.Text;
using Workbooks.Data.Corpora;

namespace Workbooks.Tests.Data;

// One class: the HF_TOKEN test changes a process-wide variable, and xunit runs a class's tests one at a time.
public sealed class HubDownloadTests : IDisposable
{
    static readonly byte[] Content = Encoding.UTF8.GetBytes("{\"text\":\"from the hub\"}\n");
    readonly TempFolder cache = new();
    readonly LocalHttpServer server = new(path => path switch
    {
        "/datasets/org/tiny-ds/resolve/main/data/train.jsonl" => new(200, Content),
        "/datasets/org/tiny-ds/resolve/main/cut.bin" => new(200, new byte[40], DeclaredLength: 100),
        _ => new(404, Encoding.UTF8.GetBytes("Entry not found")),
    });

    public void Dispose() { server.Dispose(); cache.Dispose(); }

    [Fact]
    public async Task Downloads_into_the_cache_and_reuses_it()
    {
        var path = await HubDownload.FetchAsync("org/tiny-ds", "data/train.jsonl", cacheDir: cache.Path, baseUrl: server.BaseUrl, token: "");
        Assert.Equal(Path.Combine(cache.Path, "datasets", "org", "tiny-ds", "main", "data", "train.jsonl"), path);
        Assert.Equal(Content, File.ReadAllBytes(path));
        Assert.Equal("from the hub", Assert.Single(Corpus.Load(path)).Text);
        var (requested, auth) = Assert.Single(server.Requests);
        Assert.Equal("/datasets/org/tiny-ds/resolve/main/data/train.jsonl", requested);
        Assert.Null(auth);

        var again = await HubDownload.FetchAsync("org/tiny-ds", "data/train.jsonl", cacheDir: cache.Path, baseUrl: server.BaseUrl);
        Assert.Equal(path, again);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_missing_file_is_an_error_naming_the_url_and_leaves_nothing()
    {
        var e = await Assert.ThrowsAsync<HttpRequestException>(() =>
            HubDownload.FetchAsync("org/tiny-ds", "nope.parquet", cacheDir: cache.Path, baseUrl: server.BaseUrl, token: ""));
        Assert.Contains($"{server.BaseUrl}/datasets/org/tiny-ds/resolve/main/nope.parquet", e.Message);
        Assert.Contains("404", e.Message);
        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Empty(Directory.GetFiles(cache.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_cut_download_leaves_no_partial_file()
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() =>
            HubDownload.FetchAsync("org/tiny-ds", "cut.bin", cacheDir: cache.Path, baseUrl: server.BaseUrl, token: ""));
        Assert.True(e is IOException or HttpRequestException, e.ToString());
        Assert.Contains("cut.bin", e.Message);
        Assert.Empty(Directory.GetFiles(cache.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Sends_the_token_as_bearer_from_the_argument_or_HF_TOKEN()
    {
        await HubDownload.FetchAsync("org/tiny-ds", "data/train.jsonl", cacheDir: cache.File("a"), baseUrl: server.BaseUrl, token: "abc");
        var previous = Environment.GetEnvironmentVariable("HF_TOKEN");
        try
        {
            Environment.SetEnvironmentVariable("HF_TOKEN", "from-env");
            await HubDownload.FetchAsync("org/tiny-ds", "data/train.jsonl", cacheDir: cache.File("b"), baseUrl: server.BaseUrl);
        }
        finally { Environment.SetEnvironmentVariable("HF_TOKEN", previous); }
        Assert.Equal(["Bearer abc", "Bearer from-env"], server.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task Paths_that_escape_the_cache_are_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => HubDownload.FetchAsync("org/tiny-ds", "../../etc/passwd", cacheDir: cache.Path, baseUrl: server.BaseUrl));
        await Assert.ThrowsAsync<ArgumentException>(() => HubDownload.FetchAsync("../x", "a.txt", cacheDir: cache.Path, baseUrl: server.BaseUrl));
        Assert.Empty(server.Requests);
    }
}
