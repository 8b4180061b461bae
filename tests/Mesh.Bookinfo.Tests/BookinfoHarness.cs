using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bookinfo;
using Mesh.Configuration;
using Mesh.Snapshot;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Bookinfo.Tests;

/// <summary>Bookinfo started in-process on free loopback ports, with a config directory of its own.</summary>
internal sealed partial class BookinfoHarness : IAsyncDisposable
{
    private static readonly TimeSpan ConfigTimeout = TimeSpan.FromSeconds(10);

    private BookinfoHarness(BookinfoApp app, string configDirectory)
    {
        App = app;
        ConfigDirectory = configDirectory;
        var cookies = new CookieContainer();
        Browser = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = true }) { BaseAddress = app.ProductPageUrl };
    }

    public BookinfoApp App { get; }

    public string ConfigDirectory { get; }

    /// <summary>Gets a client that keeps cookies, as a browser would.</summary>
    public HttpClient Browser { get; }

    public static async Task<BookinfoHarness> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("bookinfo-config-").FullName;
        var app = await BookinfoApp.StartAsync(new BookinfoOptions { ProductPagePort = 0, ConfigDirectory = directory }, TestContext.Current.CancellationToken);
        return new BookinfoHarness(app, directory);
    }

    public static string NetworkingFile(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "networking", name);
        Assert.True(File.Exists(path), $"walkthrough file {path} was not copied to the test output");
        return path;
    }

    /// <summary>
    /// Writes the walkthrough files as the mesh config (atomically, replacing what was there, as
    /// kubectl apply replaces a document of the same name), then waits until every service applied them.
    /// </summary>
    public async Task ApplyAsync(params string[] walkthroughFiles)
    {
        var expected = new List<MeshDocument>();
        var names = new HashSet<string>();
        foreach (var file in walkthroughFiles)
        {
            var text = await File.ReadAllTextAsync(NetworkingFile(file), TestContext.Current.CancellationToken);
            var parsed = MeshDocumentParser.Parse(text, file);
            Assert.Empty(parsed.Errors);
            expected.AddRange(parsed.Documents);
            names.Add(file);
            WriteAtomically(file, text);
        }

        foreach (var stale in Directory.EnumerateFiles(ConfigDirectory, "*.yaml").Where(f => !names.Contains(Path.GetFileName(f))))
        {
            File.Delete(stale);
        }

        await WaitForAsync(() => App.Instances.All(i => Fingerprint(Provider(i).Current.Documents) == Fingerprint(expected)), $"every Bookinfo service to apply {string.Join(", ", walkthroughFiles)}");
    }

    public void WriteAtomically(string name, string text)
    {
        var temp = Path.Combine(ConfigDirectory, $".{name}.tmp");
        File.WriteAllText(temp, text);
        File.Move(temp, Path.Combine(ConfigDirectory, name), overwrite: true);
    }

    public static MeshSnapshotProvider Provider(BookinfoInstance instance) => instance.App.Services.GetRequiredService<MeshSnapshotProvider>();

    /// <summary>Loads the product page <paramref name="count"/> times and counts which reviews version served each load.</summary>
    public async Task<Dictionary<string, int>> LoadPagesAsync(int count)
    {
        var versions = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            var page = await GetPageAsync();
            var version = ServedBy(page);
            versions[version] = versions.GetValueOrDefault(version) + 1;
        }

        return versions;
    }

    public async Task<string> GetPageAsync()
    {
        using var response = await Browser.GetAsync("productpage", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Returns v1, v2 or v3 from the page's "Reviews served by: reviews-vN-xxxxx" line.</summary>
    public static string ServedBy(string page)
    {
        var match = ServedByPattern().Match(page);
        Assert.True(match.Success, $"the page has no 'Reviews served by' line:\n{page}");
        return match.Groups[1].Value;
    }

    public async Task LoginAsync(string user)
    {
        using var form = new FormUrlEncodedContent([new("username", user), new("passwd", "password")]);
        using var response = await Browser.PostAsync("login", form, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async Task LogoutAsync()
    {
        using var response = await Browser.GetAsync("logout", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > ConfigTimeout)
            {
                Assert.Fail($"timed out after {ConfigTimeout.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    private static string Fingerprint(IEnumerable<MeshDocument> documents) =>
        string.Join('\n', documents.Select(d => JsonSerializer.Serialize(d with { Source = null }, d.GetType())).Order(StringComparer.Ordinal));

    public async ValueTask DisposeAsync()
    {
        Browser.Dispose();
        await App.DisposeAsync();
        Directory.Delete(ConfigDirectory, recursive: true);
    }

    [GeneratedRegex(@"Reviews served by: reviews-(v\d)-[a-z0-9]+")]
    private static partial Regex ServedByPattern();
}
