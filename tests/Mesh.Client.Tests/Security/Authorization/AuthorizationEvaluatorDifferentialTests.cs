using System.Net;
using System.Text.RegularExpressions;
using Mesh.Configuration;
using Mesh.Configuration.Internal;
using Mesh.Tests;
using Microsoft.AspNetCore.Http;

namespace Mesh.Security.Authorization.Tests;

/// <summary>
/// The compiled evaluator against a plain reference written from Istio's rules as they read (every pattern turned
/// into a regex, as Istio turns them into Envoy matchers; LINQ over the records; no compilation), on random
/// policies and requests from a small vocabulary. A difference names the seed's case.
/// </summary>
public class AuthorizationEvaluatorDifferentialTests
{
    private static readonly string?[] PeerPrincipals = [null, "cluster.local/ns/default/sa/a", "cluster.local/ns/prod/sa/b", "cluster.local/ns/prod/sa/a"];
    private static readonly string[] SourceIps = ["10.0.0.5", "10.1.1.1", "192.168.1.7", "2001:db8::1", "::ffff:10.0.0.5"];
    private static readonly string?[] Hosts = ["a.example", "A.EXAMPLE:80", "b.example", null];
    private static readonly string[] Methods = ["GET", "POST"];
    private static readonly string[] Paths = ["/a", "/ab", "/x/b", "/"];
    private static readonly string?[] Users = [null, "jason", "mary", ""];

    private static readonly string[] PrincipalValues = ["cluster.local/ns/default/sa/a", "cluster.local/ns/prod/sa/b", "*", "cluster.local/ns/default/*", "*/sa/b"];
    private static readonly string[] NamespaceValues = ["default", "prod", "*", "pr*", "*ult", "d*f*t"];
    private static readonly string[] IpValues = ["10.0.0.0/8", "10.0.0.5", "192.168.1.0/24", "2001:db8::/32"];
    private static readonly string[] HostValues = ["a.example", "a.example:80", "*.example", "a.*", "*"];
    private static readonly string[] PortValues = ["80", "9080"];
    private static readonly string[] MethodValues = ["GET", "POST", "*", "P*"];
    private static readonly string[] PathValues = ["/a", "/a*", "*/b", "*"];
    private static readonly string[] UserValues = ["jason", "ja*", "*", "mary"];
    private static readonly string[] Actions = [AuthorizationActions.Allow, AuthorizationActions.Allow, AuthorizationActions.Deny, AuthorizationActions.Audit];

    [Fact]
    public void Evaluate_RandomPoliciesAndRequests_AgreesWithTheReference()
    {
        var random = new SeededRandom(20261129);
        for (var round = 0; round < 400; round++)
        {
            var policies = Enumerable.Range(0, 1 + random.Next(4)).Select(i => RandomPolicy(random, i)).ToList();
            var evaluator = AuthorizationEvaluator.Compile(policies, "default");
            for (var r = 0; r < 25; r++)
            {
                var request = RandomRequest(random);
                var expected = Reference(policies, request);
                var actual = evaluator.Evaluate(request);
                Assert.True(expected == actual, $"round {round}, request {r}: expected {expected}, got {actual}");
            }
        }
    }

    private static AuthorizationDecision Reference(List<AuthorizationPolicy> policies, AuthorizationRequest request)
    {
        string? First(string action) => policies.Where(p => p.Spec.Action == action && p.Spec.Rules.Any(rule => RuleMatches(rule, request)))
            .Select(p => $"default/{p.Metadata.Name}").FirstOrDefault();
        var audit = First(AuthorizationActions.Audit);
        if (First(AuthorizationActions.Deny) is { } deny)
        {
            return new AuthorizationDecision(false, deny, audit);
        }

        if (!policies.Any(p => p.Spec.Action == AuthorizationActions.Allow))
        {
            return new AuthorizationDecision(true, null, audit);
        }

        var allow = First(AuthorizationActions.Allow);
        return new AuthorizationDecision(allow is not null, allow, audit);
    }

    private static bool RuleMatches(Rule rule, AuthorizationRequest r) =>
        (rule.From is null || rule.From.Any(s => SourceMatches(s, r))) &&
        (rule.To is null || rule.To.Any(o => OperationMatches(o, r))) &&
        rule.When.All(c => ConditionMatches(c, r));

    private static bool SourceMatches(Source s, AuthorizationRequest r) =>
        Field(s.Principals, s.NotPrincipals, v => Pattern(v, r.Principal)) &&
        Field(s.Namespaces, s.NotNamespaces, v => NamespacePattern(v, r.Principal)) &&
        Field(s.IpBlocks, s.NotIpBlocks, v => InBlock(v, r.SourceAddress));

    private static bool OperationMatches(Operation o, AuthorizationRequest r) =>
        Field(o.Hosts, o.NotHosts, v => Pattern(v, r.Host, ignoreCase: true)) &&
        Field(o.Ports, o.NotPorts, v => v == r.DestinationPort.ToString(System.Globalization.CultureInfo.InvariantCulture)) &&
        Field(o.Methods, o.NotMethods, v => Pattern(v, r.Method)) &&
        Field(o.Paths, o.NotPaths, v => Pattern(v, r.Path));

    private static bool ConditionMatches(Condition c, AuthorizationRequest r)
    {
        Func<string, bool> test = c.Key switch
        {
            "source.namespace" => v => NamespacePattern(v, r.Principal),
            "source.ip" => v => InBlock(v, r.SourceAddress),
            _ => v => r.Headers.TryGetValue("x-user", out var h) && (v == "*" || Pattern(v, h.ToString())),
        };
        return Field(c.Values, c.NotValues, test);
    }

    /// <summary>A field: empty values match everything; else any value; a not-field: none of its values.</summary>
    private static bool Field(IReadOnlyList<string> values, IReadOnlyList<string> notValues, Func<string, bool> test) =>
        (values.Count == 0 || values.Any(test)) && !notValues.Any(test);

    /// <summary>Istio's StringMatcher as a regex: <c>*</c> is <c>.+</c>, a leading or trailing <c>*</c> is <c>.*</c>.</summary>
    private static bool Pattern(string pattern, string? value, bool ignoreCase = false)
    {
        if (value is null)
        {
            return false;
        }

        var regex = pattern == "*" ? ".+"
            : pattern.StartsWith('*') ? ".*" + Regex.Escape(pattern[1..])
            : pattern.EndsWith('*') ? Regex.Escape(pattern[..^1]) + ".*"
            : Regex.Escape(pattern);
        return Regex.IsMatch(value, "^(?:" + regex + ")$", ignoreCase ? RegexOptions.IgnoreCase | RegexOptions.CultureInvariant : RegexOptions.None);
    }

    /// <summary>Istio's namespace matcher: <c>.*/ns/VALUE/.*</c> on the principal, <c>*</c> as <c>.*</c>.</summary>
    private static bool NamespacePattern(string pattern, string? principal) =>
        principal is not null && Regex.IsMatch(principal, "^.*/ns/" + string.Join(".*", pattern.Split('*').Select(Regex.Escape)) + "/.*$");

    private static bool InBlock(string block, IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        var network = IPNetwork.Parse(block.Contains('/', StringComparison.Ordinal) ? block : block + (block.Contains(':', StringComparison.Ordinal) ? "/128" : "/32"));
        return network.Contains(address);
    }

    private static AuthorizationPolicy RandomPolicy(SeededRandom random, int index)
    {
        var action = Pick(random, Actions);
        var rules = Enumerable.Range(0, random.Next(3)).Select(_ => new Rule
        {
            From = random.Next(3) == 0 ? null : List(Enumerable.Range(0, 1 + random.Next(2)).Select(_ => RandomSource(random))),
            To = random.Next(3) == 0 ? null : List(Enumerable.Range(0, 1 + random.Next(2)).Select(_ => RandomOperation(random))),
            When = List(Enumerable.Range(0, random.Next(3) == 0 ? 1 : 0).Select(_ => RandomCondition(random))),
        });
        return new AuthorizationPolicy
        {
            ApiVersion = "security.istio.io/v1",
            Metadata = new ObjectMetadata { Name = $"p{index}", Namespace = "default" },
            Spec = new AuthorizationPolicySpec { Action = action, Rules = List(rules) },
        };
    }

    private static Source RandomSource(SeededRandom random)
    {
        var source = new Source();
        do
        {
            source = random.Next(6) switch
            {
                0 => source with { Principals = Values(random, PrincipalValues) },
                1 => source with { NotPrincipals = Values(random, PrincipalValues) },
                2 => source with { Namespaces = Values(random, NamespaceValues) },
                3 => source with { NotNamespaces = Values(random, NamespaceValues) },
                4 => source with { IpBlocks = Values(random, IpValues) },
                _ => source with { NotIpBlocks = Values(random, IpValues) },
            };
        }
        while (random.Next(2) == 0);
        return source;
    }

    private static Operation RandomOperation(SeededRandom random)
    {
        var operation = new Operation();
        do
        {
            operation = random.Next(8) switch
            {
                0 => operation with { Hosts = Values(random, HostValues) },
                1 => operation with { NotHosts = Values(random, HostValues) },
                2 => operation with { Ports = Values(random, PortValues) },
                3 => operation with { NotPorts = Values(random, PortValues) },
                4 => operation with { Methods = Values(random, MethodValues) },
                5 => operation with { NotMethods = Values(random, MethodValues) },
                6 => operation with { Paths = Values(random, PathValues) },
                _ => operation with { NotPaths = Values(random, PathValues) },
            };
        }
        while (random.Next(2) == 0);
        return operation;
    }

    private static Condition RandomCondition(SeededRandom random)
    {
        var (key, vocabulary) = random.Next(3) switch
        {
            0 => ("source.namespace", NamespaceValues),
            1 => ("source.ip", IpValues),
            _ => ("request.headers[x-user]", UserValues),
        };
        return random.Next(3) switch
        {
            0 => new Condition { Key = key, Values = Values(random, vocabulary) },
            1 => new Condition { Key = key, NotValues = Values(random, vocabulary) },
            _ => new Condition { Key = key, Values = Values(random, vocabulary), NotValues = Values(random, vocabulary) },
        };
    }

    private static AuthorizationRequest RandomRequest(SeededRandom random)
    {
        var principal = Pick(random, PeerPrincipals);
        var headers = new HeaderDictionary();
        if (Pick(random, Users) is { } user)
        {
            headers["x-user"] = user;
        }

        return new AuthorizationRequest
        {
            Principal = principal,
            PeerNamespace = principal is null ? null : SpiffeId.Parse("spiffe://" + principal).Namespace,
            SourceAddress = IPAddress.Parse(Pick(random, SourceIps)),
            DestinationAddress = IPAddress.Loopback,
            DestinationPort = random.Next(2) == 0 ? 80 : 9080,
            Method = Pick(random, Methods),
            Path = Pick(random, Paths),
            Host = Pick(random, Hosts),
            Headers = headers,
        };
    }

    private static ValueList<string> Values(SeededRandom random, string[] vocabulary) =>
        List(Enumerable.Range(0, 1 + random.Next(2)).Select(_ => Pick(random, vocabulary)));

    private static ValueList<T> List<T>(IEnumerable<T> items) => new([.. items]);

    private static T Pick<T>(SeededRandom random, T[] items) => items[random.Next(items.Length)];
}
