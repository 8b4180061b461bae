using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Mesh.Configuration;
using Mesh.Http;

namespace Mesh.Routing.Tests;

/// <summary>
/// Random route tables and requests, routed by <see cref="MeshRouter"/> and by a reference that
/// applies Istio's rules literally (blocks in order, every condition, each header read afresh,
/// every regex through the engine). Seeded, so a failure repeats.
/// </summary>
public class MeshRouterDifferentialTests
{
    private static readonly ConcurrentDictionary<(string Pattern, bool IgnoreCase), Regex> Regexes = new();
    private static readonly string[] HeaderNames = ["end-user", "x-canary", "user-agent", "cookie", "content-type", "x-tag"];
    private static readonly string[] HeaderValues = ["jason", "alice", "test-1", "true", "false", "Mozilla/5.0 Firefox/1", "session=1; beta=1", "text/plain", "", "u1", "u3"];
    private static readonly string[] Paths = ["/", "/reviews/1", "/reviews/12/debug", "/admin/x", "/API/v2/x", "/api/v2/x", "/v2/"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // tables with many "end-user == literal" blocks, which ServiceRoutes indexes
    public void Route_RandomTablesAndRequests_SameAsTheReference(bool userTables)
    {
        var random = new Random(userTables ? 4343 : 4242);
        for (var table = 0; table < 200; table++)
        {
            var yaml = userTables ? RandomUserTable(random) : RandomTable(random);
            var snapshot = RouteTables.Compile(yaml, defaultDestination: true);
            var routes = snapshot.Snapshot.Documents.OfType<VirtualService>().Single().Spec.Http;
            for (var r = 0; r < 40; r++)
            {
                using var request = RandomRequest(random);
                var decision = MeshRouter.Route(snapshot, request);
                var expected = Reference(routes, request);

                var actual = decision.Route is null ? ((string?)null, -1) : (decision.Route.Name, decision.MatchIndex);
                Assert.True(expected == actual, $"table {table}, request {Describe(request)}: expected {expected}, got {actual}\n{yaml}");
            }
        }
    }

    private static (string? Route, int MatchIndex) Reference(IReadOnlyList<HttpRoute> routes, HttpRequestMessage request)
    {
        foreach (var route in routes)
        {
            if (route.Match.Count == 0)
            {
                return (route.Name, -1);
            }

            for (var i = 0; i < route.Match.Count; i++)
            {
                if (BlockMatches(route.Match[i], request))
                {
                    return (route.Name, i);
                }
            }
        }

        return (null, -1);
    }

    private static bool BlockMatches(HttpMatchRequest block, HttpRequestMessage request)
    {
        var uri = request.RequestUri!;
        return (block.Uri is null || Matches(block.Uri, uri.AbsolutePath, block.IgnoreUriCase && block.Uri.Regex is null)) &&
            (block.Scheme is null || Matches(block.Scheme, uri.Scheme)) &&
            (block.Method is null || Matches(block.Method, request.Method.Method)) &&
            (block.Port is null || block.Port == uri.Port) &&
            (block.Authority is null || Matches(block.Authority, request.Headers.Host ?? uri.Authority)) &&
            block.Headers.All(h => RequestValues.TryGetHeader(request, h.Key, out var v) && Matches(h.Value, v)) &&
            block.WithoutHeaders.All(h => !(RequestValues.TryGetHeader(request, h.Key, out var v) && Matches(h.Value, v))) &&
            block.QueryParams.All(q => RequestValues.TryGetQueryParameter(uri, q.Key, out var raw) && Matches(q.Value, Uri.UnescapeDataString(raw.ToString().Replace('+', ' '))));
    }

    private static bool Matches(StringMatch match, string value, bool ignoreCase = false)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return match switch
        {
            { Exact: { } exact } => string.Equals(value, exact, comparison),
            { Prefix: { } prefix } => value.StartsWith(prefix, comparison),
            { Regex: { } regex } => Regexes.GetOrAdd((regex, ignoreCase), static key => new Regex($"^(?:{key.Pattern})$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | (key.IgnoreCase ? RegexOptions.IgnoreCase : 0))).IsMatch(value),
            _ => true,
        };
    }

    private static string RandomTable(Random random)
    {
        var yaml = new StringBuilder();
        var routeCount = random.Next(1, 11);
        for (var r = 0; r < routeCount; r++)
        {
            yaml.Append("- name: r").Append(r).Append('\n');
            var blocks = random.Next(10) == 0 ? 0 : random.Next(1, 4);
            if (blocks > 0)
            {
                yaml.Append("  match:\n");
            }

            for (var b = 0; b < blocks; b++)
            {
                var conditions = RandomBlock(random);
                yaml.Append("  - ").Append(conditions.Count == 0 ? "{}" : conditions[0]).Append('\n');
                foreach (var condition in conditions.Skip(1))
                {
                    yaml.Append("    ").Append(condition).Append('\n');
                }
            }
        }

        return yaml.ToString();
    }

    private static string RandomUserTable(Random random)
    {
        // Like Istio's end-user walkthrough at scale: most routes start with end-user exact (users repeat,
        // some blocks add a condition), mixed with other blocks; sometimes more than 64 blocks.
        string[] users = ["jason", "alice", "test-1", "true", "u1", "u2", "u3", "u4", ""];
        var yaml = new StringBuilder();
        var routeCount = random.Next(4, random.Next(4) == 0 ? 40 : 16);
        for (var r = 0; r < routeCount; r++)
        {
            yaml.Append("- name: r").Append(r).Append("\n  match:\n");
            var blocks = random.Next(1, 4);
            for (var b = 0; b < blocks; b++)
            {
                if (random.Next(3) > 0)
                {
                    var extra = random.Next(3) switch
                    {
                        0 => $", x-canary: {RandomHeaderMatch(random)}",
                        1 => $", user-agent: {RandomHeaderMatch(random)}",
                        _ => "",
                    };
                    var name = random.Next(4) == 0 ? "End-User" : "end-user";
                    yaml.Append("  - headers: {").Append(name).Append(": {exact: '").Append(Pick(random, users)).Append("'}").Append(extra).Append("}\n");
                    if (random.Next(5) == 0)
                    {
                        yaml.Append("    method: {exact: GET}\n"); // cheaper: tested first, so this block is not indexed
                    }
                }
                else
                {
                    var conditions = RandomBlock(random);
                    yaml.Append("  - ").Append(conditions.Count == 0 ? "{}" : conditions[0]).Append('\n');
                    foreach (var condition in conditions.Skip(1))
                    {
                        yaml.Append("    ").Append(condition).Append('\n');
                    }
                }
            }
        }

        if (random.Next(2) == 0)
        {
            yaml.Append("- name: rest\n");
        }

        return yaml.ToString();
    }

    private static List<string> RandomBlock(Random random)
    {
        var conditions = new List<string>();
        var kinds = Enumerable.Range(0, 8).OrderBy(_ => random.Next()).Take(random.Next(0, 4));
        foreach (var kind in kinds)
        {
            switch (kind)
            {
                case 0:
                    conditions.Add($"uri: {Pick(random, "{exact: '/reviews/1'}", "{prefix: '/reviews'}", "{prefix: '/api/v2/'}", "{regex: '/reviews/[0-9]+/debug'}", "{regex: '/(api/)?v2/.*'}", "{regex: '.*debug.*'}")}");
                    if (random.Next(4) == 0)
                    {
                        conditions.Add("ignoreUriCase: true");
                    }

                    break;
                case 1:
                    conditions.Add($"method: {Pick(random, "{exact: GET}", "{exact: DELETE}", "{regex: 'GET|POST'}")}");
                    break;
                case 2:
                    conditions.Add($"scheme: {Pick(random, "{exact: http}", "{exact: https}")}");
                    break;
                case 3:
                    conditions.Add($"port: {Pick(random, "9080", "8080")}");
                    break;
                case 4:
                    conditions.Add($"authority: {Pick(random, "{exact: 'reviews:9080'}", "{prefix: reviews}", "{regex: 'reviews(:[0-9]+)?'}")}");
                    break;
                case 5:
                case 6:
                    var names = HeaderNames.OrderBy(_ => random.Next()).Take(random.Next(1, 3));
                    var entries = names.Select(n => $"{(random.Next(2) == 0 ? n : n.ToUpperInvariant())}: {RandomHeaderMatch(random)}");
                    conditions.Add($"{(kind == 5 ? "headers" : "withoutHeaders")}: {{{string.Join(", ", entries)}}}");
                    break;
                default:
                    conditions.Add($"queryParams: {{{Pick(random, "q", "x")}: {Pick(random, "{exact: '1'}", "{exact: 'a b'}", "{prefix: test-}", "{regex: '[0-9]+'}")}}}");
                    break;
            }
        }

        return conditions;
    }

    private static string RandomHeaderMatch(Random random) => Pick(
        random,
        "{exact: jason}", "{exact: alice}", "{exact: 'true'}", "{exact: ''}", "{prefix: test-}", "{prefix: Mozilla}",
        "{regex: 'test-[a-z0-9]+'}", "{regex: '.*Firefox/.*'}", "{regex: '.*beta=1.*'}", "{regex: 'text/(plain|html)'}", "{}");

    private static HttpRequestMessage RandomRequest(Random random)
    {
        var query = Pick(random, "", "", "?q=1", "?q=a%20b", "?x=test-1&q=2", "?q=a+b");
        var request = new HttpRequestMessage(
            Pick(random, HttpMethod.Get, HttpMethod.Get, HttpMethod.Post, HttpMethod.Delete),
            $"{Pick(random, "http", "https")}://reviews:{Pick(random, "9080", "8080")}{Pick(random, Paths)}{query}");
        foreach (var name in HeaderNames.Where(_ => random.Next(3) == 0))
        {
            var value = Pick(random, HeaderValues);
            if (name == "content-type")
            {
                request.Content = new StringContent("");
                request.Content.Headers.Remove("Content-Type");
                request.Content.Headers.TryAddWithoutValidation("Content-Type", value);
            }
            else if (random.Next(5) == 0)
            {
                request.Headers.TryAddWithoutValidation(name, [value, Pick(random, HeaderValues)]);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(random.Next(2) == 0 ? name : name.ToUpperInvariant(), value);
            }
        }

        if (random.Next(6) == 0)
        {
            request.Headers.Host = "reviews.example";
        }

        return request;
    }

    private static string Describe(HttpRequestMessage request) =>
        $"{request.Method} {request.RequestUri} [{string.Join("; ", request.Headers.NonValidated.Select(h => $"{h.Key}: {h.Value}"))}]" +
        (request.Content is null ? "" : $" content [{string.Join("; ", request.Content.Headers.NonValidated.Select(h => $"{h.Key}: {h.Value}"))}]");

    private static T Pick<T>(Random random, params T[] items) => items[random.Next(items.Length)];
}
