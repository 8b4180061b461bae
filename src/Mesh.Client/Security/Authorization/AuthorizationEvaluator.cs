using Mesh.Configuration;

namespace Mesh.Security.Authorization;

/// <summary>
/// The AuthorizationPolicies of one workload compiled for the request path, decided in Istio's order: CUSTOM
/// (not supported, never present), then DENY (any match denies), then ALLOW (with no ALLOW policy every request is
/// allowed; with some, only a request one of them matches). AUDIT policies are matched for the log and never
/// change the decision. Immutable; one per config snapshot, built once, shared by every request.
/// </summary>
internal sealed class AuthorizationEvaluator
{
    private readonly CompiledPolicy[] _deny;
    private readonly CompiledPolicy[] _allow;
    private readonly CompiledPolicy[] _audit;
    private readonly AuthorizationEvaluator? _dryRun;

    private AuthorizationEvaluator(CompiledPolicy[] deny, CompiledPolicy[] allow, CompiledPolicy[] audit, AuthorizationEvaluator? dryRun = null)
    {
        _deny = deny;
        _allow = allow;
        _audit = audit;
        _dryRun = dryRun;
    }

    /// <summary>The annotation that makes a policy dry-run: evaluated and logged, never enforced (Istio's <c>istio.io/dry-run</c>).</summary>
    public const string DryRunAnnotation = "istio.io/dry-run";

    /// <summary>Gets the evaluator of a workload no policy applies to: it allows every request.</summary>
    public static AuthorizationEvaluator AllowAll { get; } = new([], [], []);

    /// <summary>Gets a value indicating whether no policy applies, so that every request is allowed without looking at it.</summary>
    public bool IsAllowAll => _deny.Length == 0 && _allow.Length == 0 && _audit.Length == 0 && _dryRun is null;

    /// <summary>Gets the number of enforced policies that apply.</summary>
    public int PolicyCount => _deny.Length + _allow.Length + _audit.Length;

    /// <summary>Whether a policy is dry-run: its <c>istio.io/dry-run</c> annotation reads as true (Go's <c>strconv.ParseBool</c>, as Istio reads it).</summary>
    public static bool IsDryRun(AuthorizationPolicy policy) =>
        policy.Metadata.Annotations.TryGetValue(DryRunAnnotation, out var value) && value is "1" or "t" or "T" or "true" or "TRUE" or "True";

    /// <summary>Compiles validated policies (as <see cref="AuthorizationPolicyValidator"/> accepts them).</summary>
    /// <param name="policies">The policies that apply to the workload.</param>
    /// <param name="defaultNamespace">The namespace of a policy that names none (for its display name).</param>
    public static AuthorizationEvaluator Compile(IReadOnlyList<AuthorizationPolicy> policies, string defaultNamespace)
    {
        if (policies.Count == 0)
        {
            return AllowAll;
        }

        if (policies.Any(IsDryRun))
        {
            // The dry-run decision: every policy enforced, the dry-run ones too.
            var all = Compile([.. policies.Select(p => p with { Metadata = p.Metadata with { Annotations = Configuration.Internal.ValueMap<string>.Empty } })], defaultNamespace);
            var enforced = Compile([.. policies.Where(p => !IsDryRun(p))], defaultNamespace);
            return new AuthorizationEvaluator(enforced._deny, enforced._allow, enforced._audit, all);
        }

        List<CompiledPolicy> deny = [], allow = [], audit = [];
        foreach (var policy in policies)
        {
            var compiled = new CompiledPolicy($"{policy.Metadata.Namespace ?? defaultNamespace}/{policy.Metadata.Name}", [.. policy.Spec.Rules.Select(CompileRule)]);
            switch (policy.Spec.Action)
            {
                case AuthorizationActions.Deny:
                    deny.Add(compiled);
                    break;
                case AuthorizationActions.Audit:
                    audit.Add(compiled);
                    break;
                case AuthorizationActions.Allow:
                    allow.Add(compiled);
                    break;
                default:
                    throw new InvalidOperationException($"AuthorizationPolicy {compiled.Name}: action '{policy.Spec.Action}' cannot be enforced; the validator refuses it");
            }
        }

        return new AuthorizationEvaluator([.. deny], [.. allow], [.. audit]);
    }

    /// <summary>Decides <paramref name="request"/>.</summary>
    public AuthorizationDecision Evaluate(in AuthorizationRequest request)
    {
        var decision = Decide(request);
        return _dryRun is null ? decision : decision with { DryRun = _dryRun.Decide(request) is var d ? new DryRunDecision(d.Allowed, d.Policy) : null };
    }

    private AuthorizationDecision Decide(in AuthorizationRequest request)
    {
        var audit = FirstMatch(_audit, request)?.Name;
        if (FirstMatch(_deny, request) is { } deny)
        {
            return new AuthorizationDecision(false, deny.Name, audit);
        }

        if (_allow.Length == 0)
        {
            return new AuthorizationDecision(true, null, audit);
        }

        return FirstMatch(_allow, request) is { } allow
            ? new AuthorizationDecision(true, allow.Name, audit)
            : new AuthorizationDecision(false, null, audit);
    }

    private static CompiledPolicy? FirstMatch(CompiledPolicy[] policies, in AuthorizationRequest request)
    {
        foreach (var policy in policies)
        {
            if (policy.Matches(request))
            {
                return policy;
            }
        }

        return null;
    }

    private static CompiledRule CompileRule(Rule rule)
    {
        var sources = rule.From?.Select(CompileSource).ToArray();
        var operations = rule.To?.Select(CompileOperation).ToArray();
        var conditions = rule.When.SelectMany(CompileCondition).ToArray();
        return new CompiledRule(sources, operations, conditions);
    }

    private static RequestPredicate[] CompileSource(Source source)
    {
        var predicates = new List<RequestPredicate>();
        AddStrings(predicates, RequestAttribute.Principal, source.Principals, source.NotPrincipals);
        AddStrings(predicates, RequestAttribute.Namespace, source.Namespaces, source.NotNamespaces, glob: true);
        AddIps(predicates, IpPredicate.Address.Source, source.IpBlocks, source.NotIpBlocks);
        AddIps(predicates, IpPredicate.Address.Remote, source.RemoteIpBlocks, source.NotRemoteIpBlocks);
        return [.. predicates];
    }

    private static RequestPredicate[] CompileOperation(Operation operation)
    {
        var predicates = new List<RequestPredicate>();
        AddStrings(predicates, RequestAttribute.Host, operation.Hosts, operation.NotHosts, ignoreCase: true);
        AddPorts(predicates, operation.Ports, operation.NotPorts);
        AddStrings(predicates, RequestAttribute.Method, operation.Methods, operation.NotMethods);
        AddStrings(predicates, RequestAttribute.Path, operation.Paths, operation.NotPaths);
        return [.. predicates];
    }

    private static List<RequestPredicate> CompileCondition(Condition condition)
    {
        var predicates = new List<RequestPredicate>();
        var (values, notValues) = (condition.Values, condition.NotValues);
        switch (condition.Key)
        {
            case "source.ip":
                AddIps(predicates, IpPredicate.Address.Source, values, notValues);
                break;
            case "remote.ip":
                AddIps(predicates, IpPredicate.Address.Remote, values, notValues);
                break;
            case "destination.ip":
                AddIps(predicates, IpPredicate.Address.Destination, values, notValues);
                break;
            case "destination.port":
                AddPorts(predicates, values, notValues);
                break;
            case "source.principal":
                AddStrings(predicates, RequestAttribute.Principal, values, notValues);
                break;
            case "source.namespace":
                AddStrings(predicates, RequestAttribute.Namespace, values, notValues, glob: true);
                break;
            case "connection.sni":
                AddStrings(predicates, RequestAttribute.Sni, values, notValues);
                break;
            case var key when AuthorizationPolicyValidator.HeaderName(key) is { } header:
                if (values.Count > 0)
                {
                    predicates.Add(new HeaderPredicate(header, [.. values.Select(v => ValueMatcher.Create(v, presence: true))], negate: false));
                }

                if (notValues.Count > 0)
                {
                    predicates.Add(new HeaderPredicate(header, [.. notValues.Select(v => ValueMatcher.Create(v, presence: true))], negate: true));
                }

                break;
            default:
                throw new InvalidOperationException($"condition key '{condition.Key}' cannot be evaluated; the validator refuses it");
        }

        return predicates;
    }

    private static void AddStrings(List<RequestPredicate> predicates, RequestAttribute attribute, IReadOnlyList<string> values, IReadOnlyList<string> notValues, bool ignoreCase = false, bool glob = false)
    {
        if (values.Count > 0)
        {
            predicates.Add(new StringPredicate(attribute, [.. values.Select(v => ValueMatcher.Create(v, ignoreCase, glob: glob))], negate: false));
        }

        if (notValues.Count > 0)
        {
            predicates.Add(new StringPredicate(attribute, [.. notValues.Select(v => ValueMatcher.Create(v, ignoreCase, glob: glob))], negate: true));
        }
    }

    private static void AddIps(List<RequestPredicate> predicates, IpPredicate.Address address, IReadOnlyList<string> values, IReadOnlyList<string> notValues)
    {
        if (values.Count > 0)
        {
            predicates.Add(new IpPredicate(address, [.. values.Select(IpRange.Parse)], negate: false));
        }

        if (notValues.Count > 0)
        {
            predicates.Add(new IpPredicate(address, [.. notValues.Select(IpRange.Parse)], negate: true));
        }
    }

    private static void AddPorts(List<RequestPredicate> predicates, IReadOnlyList<string> values, IReadOnlyList<string> notValues)
    {
        if (values.Count > 0)
        {
            predicates.Add(new PortPredicate([.. values.Select(Port)], negate: false));
        }

        if (notValues.Count > 0)
        {
            predicates.Add(new PortPredicate([.. notValues.Select(Port)], negate: true));
        }

        static int Port(string text) => AuthorizationPolicyValidator.TryParsePort(text, out var port)
            ? port
            : throw new FormatException($"'{text}' is not a port; the validator refuses it");
    }
}
