using System.Net.Http.Headers;

namespace Workbooks.Data.Corpora;

/// <summary>
/// Downloads one file of a Hugging Face dataset repository into a local cache and returns its path.
/// A file already in the cache is returned without a request; a download lands atomically (temp file
/// + rename), so a failed or interrupted one leaves nothing behind.
/// </summary>
public static class HubDownload
{
    public const string DefaultBaseUrl = "https://huggingface.co";

    /// <summary>WORKBOOKS_CACHE/hub if set, else the user's cache folder (~/.cache/workbooks/hub).</summary>
    public static string DefaultCacheDir =>
        Environment.GetEnvironmentVariable("WORKBOOKS_CACHE") is { Length: > 0 } c
            ? Path.Combine(c, "hub")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "workbooks", "hub");

    /// <param name="repo">owner/name of the dataset repository.</param>
    /// <param name="file">path of the file inside the repository.</param>
    /// <param name="baseUrl">the hub's address; default HF_ENDPOINT, else the public hub.</param>
    /// <param name="token">bearer token; default the HF_TOKEN environment variable.</param>
    public static async Task<string> FetchAsync(string repo, string file, string revision = "main", string? cacheDir = null,
        HttpClient? client = null, string? baseUrl = null, string? token = null, CancellationToken cancellationToken = default)
    {
        CheckPath(repo, nameof(repo));
        CheckPath(file, nameof(file));
        CheckPath(revision, nameof(revision));
        var local = Path.GetFullPath(Path.Combine(cacheDir ?? DefaultCacheDir, "datasets", repo, revision, file));
        if (File.Exists(local)) return local;

        var root = (baseUrl ?? Environment.GetEnvironmentVariable("HF_ENDPOINT") ?? DefaultBaseUrl).TrimEnd('/');
        var url = $"{root}/datasets/{Escape(repo)}/resolve/{Escape(revision)}/{Escape(file)}";
        token ??= Environment.GetEnvironmentVariable("HF_TOKEN");

        var ownClient = client is null;
        client ??= new HttpClient();
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        var temp = local + $".{Guid.NewGuid():N}.partial";
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (!string.IsNullOrEmpty(token)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException(
                    $"Download of {url} failed: {(int)response.StatusCode} {response.ReasonPhrase}" +
                    (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden
                        ? " (a gated or private dataset needs HF_TOKEN)." : "."),
                    null, response.StatusCode);
            var expected = response.Content.Headers.ContentLength;
            long written;
            await using (var source = await response.Content.ReadAsStreamAsync(cancellationToken))
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await source.CopyToAsync(target, cancellationToken);
                written = target.Length;
            }
            if (expected is { } size && size != written)
                throw new IOException($"Download of {url} was incomplete: got {written} of {size} bytes.");
            File.Move(temp, local, overwrite: true);
            return local;
        }
        catch (HttpRequestException e) when (e.StatusCode is null && !e.Message.Contains(url))
        {
            throw new HttpRequestException($"Download of {url} failed: {e.Message}", e);
        }
        catch (IOException e) when (!e.Message.Contains(url))
        {
            throw new IOException($"Download of {url} failed: {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
            if (ownClient) client.Dispose();
        }
    }

    static string Escape(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    static void CheckPath(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        if (value.Split('/').Any(s => s is "" or "." or "..") || value.Contains('\\') || Path.IsPathRooted(value))
            throw new ArgumentException($"'{value}' is not a valid relative hub path ({name}).", name);
    }
}
