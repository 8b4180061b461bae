using System.Globalization;

namespace Mesh.Configuration;

/// <summary>
/// Checks a set of documents as one config: every field of every document, and the references
/// between them (subsets, duplicate names, hosts claimed twice). Reports every error at once.
/// </summary>
internal static class MeshConfigValidator
{
    private static readonly string[] SimpleLoadBalancers = ["UNSPECIFIED", "ROUND_ROBIN", "LEAST_REQUEST", "LEAST_CONN", "RANDOM"];

    /// <summary>Validates <paramref name="documents"/> as one config.</summary>
    /// <param name="documents">Every document of the config.</param>
    /// <param name="defaultNamespace">The namespace of documents that name none.</param>
    /// <returns>Every error found; empty when the config is valid.</returns>
    public static IReadOnlyList<ConfigError> Validate(IReadOnlyList<MeshDocument> documents, string defaultNamespace = "default")
    {
        ArgumentNullException.ThrowIfNull(documents);
        var errors = new List<ConfigError>();

        var seen = new Dictionary<(string Kind, string Ns, string Name), MeshDocument>();
        foreach (var document in documents)
        {
            (string Kind, string Ns, string Name) key = (document.Kind, document.Metadata.Namespace ?? defaultNamespace, document.Metadata.Name);
            if (!seen.TryAdd(key, document))
            {
                errors.Add(new ConfigError(document.DisplayName, "metadata.name", $"{key.Kind} {key.Ns}/{key.Name} is defined twice (also {seen[key].DisplayName}); keep one"));
            }
        }

        // Subsets by host, for the cross-document check of route destinations.
        var subsetsByHost = new Dictionary<ServiceKey, HashSet<string>>();
        var ruleByHost = new Dictionary<ServiceKey, DestinationRule>();
        foreach (var rule in documents.OfType<DestinationRule>())
        {
            var ns = rule.Metadata.Namespace ?? defaultNamespace;
            ValidateDestinationRule(rule, errors);
            if (string.IsNullOrWhiteSpace(rule.Spec.Host))
            {
                continue;
            }

            var host = ServiceKey.Parse(rule.Spec.Host, ns);
            if (!ruleByHost.TryAdd(host, rule))
            {
                errors.Add(new ConfigError(rule.DisplayName, "spec.host", $"host '{rule.Spec.Host}' already has {ruleByHost[host].DisplayName}; merge the two into one DestinationRule"));
                continue;
            }

            subsetsByHost[host] = rule.Spec.Subsets.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        }

        var serviceByHost = new Dictionary<ServiceKey, VirtualService>();
        foreach (var service in documents.OfType<VirtualService>())
        {
            ValidateVirtualService(service, defaultNamespace, subsetsByHost, serviceByHost, errors);
        }

        foreach (var policy in documents.OfType<AuthorizationPolicy>())
        {
            AuthorizationPolicyValidator.Validate(policy, errors);
        }

        return errors;
    }

    private static void ValidateVirtualService(
        VirtualService service,
        string defaultNamespace,
        Dictionary<ServiceKey, HashSet<string>> subsetsByHost,
        Dictionary<ServiceKey, VirtualService> serviceByHost,
        List<ConfigError> errors)
    {
        var doc = service.DisplayName;
        var ns = service.Metadata.Namespace ?? defaultNamespace;
        var spec = service.Spec;
        if (!service.AppliesToMesh)
        {
            return; // bound to gateways only: it routes no mesh traffic, and Mesh has no gateway to give it to
        }

        if (spec.Hosts.Count == 0)
        {
            errors.Add(new ConfigError(doc, "spec.hosts", "is empty; name at least one host, such as 'reviews'"));
        }

        ValidateExportTo(spec.ExportTo, doc, errors);
        ValidateGatewayNames(spec.Gateways, "spec.gateways", doc, errors);

        var own = new HashSet<ServiceKey>();
        for (var i = 0; i < spec.Hosts.Count; i++)
        {
            var host = spec.Hosts[i];
            if (string.IsNullOrWhiteSpace(host))
            {
                errors.Add(new ConfigError(doc, $"spec.hosts[{i}]", "is empty; name a host, such as 'reviews'"));
            }
            else if (!host.Contains('*', StringComparison.Ordinal) && !own.Add(ServiceKey.Parse(host, ns)))
            {
                // Istio's ValidateVirtualService: "duplicate hosts in virtual service" (reviews and reviews.default are one host).
                errors.Add(new ConfigError(doc, $"spec.hosts[{i}]", $"host '{host}' is listed twice in this VirtualService; list it once"));
            }
            else if (host.Contains('*', StringComparison.Ordinal))
            {
                errors.Add(new ConfigError(doc, $"spec.hosts[{i}]", $"wildcard host '{host}' is not supported by Mesh yet; name each host"));
            }
            else if (!IsHostName(host, allowIp: true))
            {
                errors.Add(new ConfigError(doc, $"spec.hosts[{i}]", BadHost(host)));
            }
            else if (!serviceByHost.TryAdd(ServiceKey.Parse(host, ns), service) && !IsSameDocument(serviceByHost[ServiceKey.Parse(host, ns)], service, defaultNamespace))
            {
                errors.Add(new ConfigError(doc, $"spec.hosts[{i}]", $"host '{host}' is already routed by {serviceByHost[ServiceKey.Parse(host, ns)].DisplayName}; merge the routes into one VirtualService"));
            }
        }

        if (spec.Http.Count == 0)
        {
            errors.Add(new ConfigError(doc, "spec.http", "is empty; add at least one http route"));
        }

        for (var r = 0; r < spec.Http.Count; r++)
        {
            var route = spec.Http[r];
            var path = $"spec.http[{r}]";
            for (var m = 0; m < route.Match.Count; m++)
            {
                ValidateMatch(route.Match[m], $"{path}.match[{m}]", doc, errors);
            }

            if (route.Route.Count == 0)
            {
                errors.Add(new ConfigError(doc, $"{path}.route", "is empty; add at least one destination"));
            }

            var sum = 0L; // long: int weights can sum past int's range
            for (var d = 0; d < route.Route.Count; d++)
            {
                var destination = route.Route[d];
                var destinationPath = $"{path}.route[{d}]";
                ValidateDestination(destination.Destination, $"{destinationPath}.destination", ns, doc, subsetsByHost, errors);
                if (destination.Weight is { } weight)
                {
                    if (weight < 0)
                    {
                        errors.Add(new ConfigError(doc, $"{destinationPath}.weight", $"is {weight}; weights must be 0 or more"));
                    }

                    sum += weight;
                }

                ValidateHeaders(destination.Headers, $"{destinationPath}.headers", doc, errors);
            }

            // Weights are relative since Istio 1.15 (1 and 3 are 25% and 75%); a single destination takes all
            // traffic whatever its weight. Several destinations must have some weight between them.
            if (sum > int.MaxValue)
            {
                errors.Add(new ConfigError(doc, $"{path}.route", $"weights sum to {sum}, past {int.MaxValue}; use smaller weights (they are relative)"));
            }
            else if (route.Route.Count > 1 && sum == 0)
            {
                var weights = string.Join(" + ", route.Route.Select(d => d.Weight?.ToString(CultureInfo.InvariantCulture) ?? "(none)"));
                errors.Add(new ConfigError(doc, $"{path}.route", $"weights sum to 0 ({weights}); with several destinations at least one needs a weight above 0"));
            }

            if (route.Rewrite is { } rewrite)
            {
                if (rewrite.Uri is not null && rewrite.UriRegexRewrite is not null)
                {
                    errors.Add(new ConfigError(doc, $"{path}.rewrite", "set either uri or uriRegexRewrite, not both"));
                }

                if (rewrite.UriRegexRewrite is { } regexRewrite)
                {
                    ValidateRegex(regexRewrite.Match, $"{path}.rewrite.uriRegexRewrite.match", doc, errors, anchored: false, ignoreCase: false);
                }
            }

            ValidateHeaders(route.Headers, $"{path}.headers", doc, errors);
            if (route.Timeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                // Istio's ValidateDuration: at least 1ms. No timeout is said by leaving the field out.
                errors.Add(new ConfigError(doc, $"{path}.timeout", $"is {(timeout == TimeSpan.Zero ? "0" : "negative")}; use a duration of 1ms or more, such as '3s', or leave timeout out for none"));
            }
            else
            {
                InRange(route.Timeout, $"{path}.timeout", doc, errors);
            }

            ValidateRetries(route.Retries, $"{path}.retries", doc, errors);
            ValidateFault(route.Fault, $"{path}.fault", doc, errors);
            NotYet(route.Mirror is not null, $"{path}.mirror", doc, errors);
        }
    }

    private static void ValidateRetries(HttpRetry? retries, string path, string doc, List<ConfigError> errors)
    {
        if (retries is null)
        {
            return;
        }

        if (retries.Attempts < 0)
        {
            errors.Add(new ConfigError(doc, $"{path}.attempts", $"is {retries.Attempts}; use 0 (no retries) or more"));
        }
        else if (retries.Attempts == 0 && (retries.PerTryTimeout is not null || retries.RetryOn is not null || retries.RetryRemoteLocalities is not null))
        {
            // Istio's ValidateHTTPRetry: a retry policy with no attempts is a mistake, not a way to say "none".
            errors.Add(new ConfigError(doc, $"{path}.attempts", "is 0 (or left out) while perTryTimeout, retryOn or retryRemoteLocalities is set; set attempts, or remove the others"));
        }

        if (retries.PerTryTimeout is { } perTry && perTry <= TimeSpan.Zero)
        {
            errors.Add(new ConfigError(doc, $"{path}.perTryTimeout", "must be more than 0, such as '2s'"));
        }
        else
        {
            InRange(retries.PerTryTimeout, $"{path}.perTryTimeout", doc, errors);
        }

        if (retries.RetryOn is { } retryOn && !Resilience.RetryConditions.TryParse(retryOn, out _, out var bad))
        {
            errors.Add(new ConfigError(doc, $"{path}.retryOn", $"'{bad}' is not a retry condition Mesh knows; use 5xx, gateway-error, reset, connect-failure, refused-stream, retriable-4xx, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable or an HTTP status such as 503"));
        }
    }

    private static void ValidateFault(HttpFaultInjection? fault, string path, string doc, List<ConfigError> errors)
    {
        if (fault is null)
        {
            return;
        }

        if (fault.Delay is null && fault.Abort is null)
        {
            errors.Add(new ConfigError(doc, path, "sets neither delay nor abort; set one or remove fault"));
        }

        if (fault.Delay is { } delay && (delay.FixedDelay is null || delay.FixedDelay <= TimeSpan.Zero))
        {
            errors.Add(new ConfigError(doc, $"{path}.delay.fixedDelay", "is required, 1ms or more: the delay to inject, such as '7s'"));
        }
        else
        {
            InRange(fault.Delay?.FixedDelay, $"{path}.delay.fixedDelay", doc, errors);
        }

        if (fault.Abort is { GrpcStatus: { } grpcStatus } grpcAbort)
        {
            if (grpcAbort.HttpStatus is not null)
            {
                errors.Add(new ConfigError(doc, $"{path}.abort", "sets both httpStatus and grpcStatus; set one"));
            }
            else if (!GrpcStatusCodes.TryParse(grpcStatus, out var code) || code == 0)
            {
                errors.Add(new ConfigError(doc, $"{path}.abort.grpcStatus", $"is '{grpcStatus}'; use a gRPC status name other than OK, such as UNAVAILABLE"));
            }
        }
        else if (fault.Abort is { } abort && abort.HttpStatus is not (>= 200 and < 600))
        {
            errors.Add(new ConfigError(doc, $"{path}.abort.httpStatus", abort.HttpStatus is null ? "is required: the status to return, such as 500 (or grpcStatus, such as UNAVAILABLE)" : $"is {abort.HttpStatus}; use an HTTP status from 200 to 599"));
        }

        // The parser checks percentage.value where it reads it; this catches the deprecated integer percent and documents built in code.
        foreach (var (percent, field) in new[] { (fault.Delay?.Percentage, "delay"), (fault.Abort?.Percentage, "abort") })
        {
            if (percent is { } p && !(p is >= 0 and <= 100)) // NaN is neither
            {
                errors.Add(new ConfigError(doc, $"{path}.{field}.percentage", $"is {percent.Value.ToString(CultureInfo.InvariantCulture)}; use 0 to 100"));
            }
        }
    }

    /// <summary>A document defined twice is reported once, as a duplicate, not again for each of its hosts.</summary>
    private static bool IsSameDocument(MeshDocument a, MeshDocument b, string defaultNamespace) =>
        a.Metadata.Name == b.Metadata.Name && (a.Metadata.Namespace ?? defaultNamespace) == (b.Metadata.Namespace ?? defaultNamespace);

    private static void NotYet(bool present, string path, string doc, List<ConfigError> errors)
    {
        if (present)
        {
            var field = path[(path.LastIndexOf('.') + 1)..];
            errors.Add(new ConfigError(doc, path, $"'{field}' is not supported by Mesh yet; remove it (it would be ignored otherwise)"));
        }
    }

    private static void ValidateDestination(
        Destination destination,
        string path,
        string ns,
        string doc,
        Dictionary<ServiceKey, HashSet<string>> subsetsByHost,
        List<ConfigError> errors)
    {
        if (string.IsNullOrWhiteSpace(destination.Host))
        {
            errors.Add(new ConfigError(doc, $"{path}.host", "is empty; name the destination service, such as 'reviews'"));
            return;
        }

        if (!IsHostName(destination.Host, allowIp: true))
        {
            errors.Add(new ConfigError(doc, $"{path}.host", BadHost(destination.Host)));
        }

        if (destination.Port is { } port && port is < 1 or > 65535)
        {
            errors.Add(new ConfigError(doc, $"{path}.port.number", $"{port} is not a port; use 1-65535"));
        }

        if (destination.Subset is { } subset)
        {
            var host = ServiceKey.Parse(destination.Host, ns);
            if (!subsetsByHost.TryGetValue(host, out var subsets) || !subsets.Contains(subset))
            {
                var known = subsets is { Count: > 0 } ? $" (it defines {string.Join(", ", subsets.Order(StringComparer.Ordinal).Select(s => $"'{s}'"))})" : "";
                errors.Add(new ConfigError(doc, $"{path}.subset", $"'{subset}' is not defined by any DestinationRule for host '{destination.Host}'{known}; define it or fix the name"));
            }
        }
    }

    private static void ValidateMatch(HttpMatchRequest match, string path, string doc, List<ConfigError> errors)
    {
        // Istio's validateStringMatch: an empty match ({}) is allowed and matches every request; prefix "" only for uri.
        ValidateStringMatch(match.Uri, $"{path}.uri", doc, errors, emptyPrefix: true, match.IgnoreUriCase);
        ValidateStringMatch(match.Scheme, $"{path}.scheme", doc, errors);
        ValidateStringMatch(match.Method, $"{path}.method", doc, errors);
        ValidateStringMatch(match.Authority, $"{path}.authority", doc, errors);
        foreach (var (name, value) in match.Headers)
        {
            ValidateHeaderName(name, $"{path}.headers", doc, errors);
            ValidateStringMatch(value, $"{path}.headers.{name}", doc, errors);
        }

        foreach (var (name, value) in match.WithoutHeaders)
        {
            ValidateHeaderName(name, $"{path}.withoutHeaders", doc, errors);
            ValidateStringMatch(value, $"{path}.withoutHeaders.{name}", doc, errors);
        }

        foreach (var (name, value) in match.QueryParams)
        {
            ValidateStringMatch(value, $"{path}.queryParams.{name}", doc, errors);
        }

        if (match.Port is { } port && port is < 1 or > 65535)
        {
            errors.Add(new ConfigError(doc, $"{path}.port", $"{port} is not a port; use 1-65535"));
        }

        ValidateLabels(match.SourceLabels, $"{path}.sourceLabels", doc, errors);
        if (match.SourceNamespace is { } sourceNamespace && !IsDnsLabel(sourceNamespace))
        {
            errors.Add(new ConfigError(doc, $"{path}.sourceNamespace", $"'{sourceNamespace}' is not a namespace name; use a DNS-1123 label such as 'default'"));
        }

        ValidateGatewayNames(match.Gateways, $"{path}.gateways", doc, errors);

    }

    private static void ValidateHeaderName(string name, string path, string doc, List<ConfigError> errors)
    {
        if (name.StartsWith(':'))
        {
            // Istio matches the pseudo-headers against the request line; Mesh has uri, method and authority for that.
            errors.Add(new ConfigError(doc, path, $"pseudo-header '{name}' is not supported by Mesh yet; match uri, method or authority instead"));
        }
        else if (name.Length == 0 || !name.All(IsTokenChar))
        {
            errors.Add(new ConfigError(doc, path, $"'{name}' is not a valid header name; use RFC 7230 token characters (letters, digits and !#$%&'*+-.^_`|~), as Istio checks"));
        }
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    /// <summary>Istio's labels.Instance.Validate: keys are qualified names (an optional DNS prefix and '/'), values at most 63 name characters or empty.</summary>
    private static void ValidateLabels(IReadOnlyDictionary<string, string> labels, string path, string doc, List<ConfigError> errors)
    {
        foreach (var (key, value) in labels)
        {
            var slash = key.LastIndexOf('/');
            var prefixOk = slash < 0 || (slash > 0 && key[..slash].Length <= 253 && key[..slash].Split('.').All(IsDnsLabel));
            if (!prefixOk || !IsLabelName(key[(slash + 1)..]))
            {
                errors.Add(new ConfigError(doc, $"{path}.{key}", $"'{key}' is not a label key; use a name of letters, digits, '-', '_' and '.' (at most 63), optionally after a DNS prefix and '/', such as 'version' or 'app.kubernetes.io/name'"));
            }
            else if (value.Length > 0 && !IsLabelName(value))
            {
                errors.Add(new ConfigError(doc, $"{path}.{key}", $"'{value}' is not a label value; use letters, digits, '-', '_' and '.' (at most 63), starting and ending with a letter or digit"));
            }
        }

        static bool IsLabelName(string name) =>
            name.Length is > 0 and <= 63 && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]) &&
            name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
    }

    /// <summary>Istio's validateGatewayNames: 'mesh', 'namespace/name', or a name, each a DNS name.</summary>
    private static void ValidateGatewayNames(IReadOnlyList<string> gateways, string path, string doc, List<ConfigError> errors)
    {
        for (var i = 0; i < gateways.Count; i++)
        {
            var gateway = gateways[i];
            var parts = gateway.Split('/');
            var ok = gateway == VirtualService.MeshGateway ||
                (parts.Length == 1 && gateway.Split('.').All(IsDnsLabel)) ||
                (parts.Length == 2 && IsDnsLabel(parts[0]) && parts[1].Split('.').All(IsDnsLabel));
            if (!ok)
            {
                errors.Add(new ConfigError(doc, $"{path}[{i}]", $"'{gateway}' is not a gateway name; use 'mesh', a name, or 'namespace/name'"));
            }
        }
    }

    private static void ValidateStringMatch(StringMatch? match, string path, string doc, List<ConfigError> errors, bool emptyPrefix = false, bool ignoreCase = false)
    {
        if (match is null)
        {
            return;
        }

        if (match.Prefix is "" && !emptyPrefix)
        {
            errors.Add(new ConfigError(doc, $"{path}.prefix", "is empty; leave the match empty ({}) to match any value, as Istio requires"));
        }

        if (match.Regex is "")
        {
            errors.Add(new ConfigError(doc, $"{path}.regex", "is empty; set a pattern, or leave the match empty ({}) to match any value, as Istio requires"));
            return;
        }

        if (match.Regex is { } regex)
        {
            ValidateRegex(regex, $"{path}.regex", doc, errors, anchored: true, ignoreCase);
        }
    }

    /// <summary>
    /// Compiles the pattern as written (it must be a regex on its own: "a)|(b" is not, though its
    /// anchored form would parse) and in the form the router or rewriter builds, with the same options,
    /// so that what passes here also compiles there (NonBacktracking refuses some patterns only once
    /// anchored, such as a{2000}).
    /// </summary>
    private static void ValidateRegex(string regex, string path, string doc, List<ConfigError> errors, bool anchored, bool ignoreCase)
    {
        if (regex.Length > Internal.DocumentLimits.MaxRegexChars)
        {
            errors.Add(new ConfigError(doc, path, $"is {regex.Length} characters; Mesh compiles regexes of at most {Internal.DocumentLimits.MaxRegexChars} characters (limit: regex length)"));
            return;
        }

        try
        {
            _ = Internal.RouteRegex.CreateRewrite(regex);
            if (anchored)
            {
                _ = Internal.RouteRegex.CreateMatch(regex);
                if (ignoreCase)
                {
                    _ = Internal.RouteRegex.CreateMatch(regex, ignoreCase: true);
                }
            }
        }
        catch (ArgumentException ex)
        {
            errors.Add(new ConfigError(doc, path, $"'{regex}' is not a valid regular expression: {ex.Message}"));
        }
        catch (NotSupportedException ex)
        {
            errors.Add(new ConfigError(doc, path, $"'{regex}' is not supported: Mesh matches regexes in linear time, as RE2 does, so lookarounds, backreferences, atomic groups and very large repetitions cannot be used ({ex.Message})"));
        }
    }

    private static void ValidateHeaders(HeadersConfig? headers, string path, string doc, List<ConfigError> errors)
    {
        foreach (var (operations, side) in new[] { (headers?.Request, "request"), (headers?.Response, "response") })
        {
            if (operations is null)
            {
                continue;
            }

            foreach (var name in operations.Set.Keys.Concat(operations.Add.Keys).Concat(operations.Remove))
            {
                ValidateHeaderName(name, $"{path}.{side}", doc, errors);
            }
        }
    }

    private static void NotNegative(int? value, string path, string doc, List<ConfigError> errors)
    {
        if (value is < 0)
        {
            errors.Add(new ConfigError(doc, path, $"is {value}; use 0 or more (0, or leaving it out, is no limit)"));
        }
    }

    private static void Positive(TimeSpan? value, string path, string doc, List<ConfigError> errors)
    {
        if (value is { } v && v <= TimeSpan.Zero)
        {
            errors.Add(new ConfigError(doc, path, "must be more than 0, such as '1s'"));
        }
        else
        {
            InRange(value, path, doc, errors);
        }
    }

    /// <summary>
    /// Istio's rule for durations (pkg/config/validation: whole milliseconds, at least 1 ms where 0 is
    /// not allowed) and Mesh's ceiling, which .NET's timers set. The parser already refuses both; this
    /// covers documents built in code.
    /// </summary>
    private static void InRange(TimeSpan? value, string path, string doc, List<ConfigError> errors)
    {
        if (value is not { } v)
        {
            return;
        }

        if (v.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            errors.Add(new ConfigError(doc, path, $"{v.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms is not a whole number of milliseconds; Istio and Mesh take durations to the millisecond"));
        }
        else if (v > Internal.DocumentLimits.MaxDuration)
        {
            errors.Add(new ConfigError(doc, path, $"is longer than Mesh's limit of {Internal.DocumentLimits.MaxDuration.TotalHours.ToString(CultureInfo.InvariantCulture)}h (.NET timers take at most 2^31-1 ms)"));
        }
    }

    private static void ValidateDestinationRule(DestinationRule rule, List<ConfigError> errors)
    {
        var doc = rule.DisplayName;
        if (string.IsNullOrWhiteSpace(rule.Spec.Host))
        {
            errors.Add(new ConfigError(doc, "spec.host", "is empty; name the service the rule is for, such as 'reviews'"));
        }
        else if (rule.Spec.Host.Contains('*', StringComparison.Ordinal))
        {
            errors.Add(new ConfigError(doc, "spec.host", $"wildcard host '{rule.Spec.Host}' is not supported by Mesh yet; name the host"));
        }
        else if (!IsHostName(rule.Spec.Host, allowIp: false))
        {
            errors.Add(new ConfigError(doc, "spec.host", BadHost(rule.Spec.Host)));
        }

        ValidateExportTo(rule.Spec.ExportTo, doc, errors);

        ValidateTrafficPolicy(rule.Spec.TrafficPolicy, "spec.trafficPolicy", doc, errors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rule.Spec.Subsets.Count; i++)
        {
            var subset = rule.Spec.Subsets[i];
            var path = $"spec.subsets[{i}]";
            if (string.IsNullOrWhiteSpace(subset.Name))
            {
                errors.Add(new ConfigError(doc, $"{path}.name", "is empty; name the subset, such as 'v1'"));
            }
            else if (!IsDnsLabel(subset.Name))
            {
                errors.Add(new ConfigError(doc, $"{path}.name", $"'{subset.Name}' is not a valid subset name; use a DNS-1123 label of at most 63 letters, digits and '-' (Istio's rule), such as 'v1'"));
            }
            else if (!names.Add(subset.Name))
            {
                errors.Add(new ConfigError(doc, $"{path}.name", $"subset '{subset.Name}' is defined twice; subset names must be unique"));
            }

            ValidateLabels(subset.Labels, $"{path}.labels", doc, errors);
            ValidateTrafficPolicy(subset.TrafficPolicy, $"{path}.trafficPolicy", doc, errors);
        }
    }

    /// <summary>Istio's validateTLS (pkg/config/validation): the mode is known, MUTUAL has its files, insecureSkipVerify excludes what it skips.</summary>
    private static void ValidateClientTls(ClientTlsSettings? tls, string path, string doc, List<ConfigError> errors)
    {
        if (tls is null)
        {
            return;
        }

        var mode = tls.Mode ?? ClientTlsSettings.Disable;
        if (mode is not (ClientTlsSettings.Disable or ClientTlsSettings.Simple or ClientTlsSettings.Mutual or ClientTlsSettings.IstioMutual))
        {
            errors.Add(new ConfigError(doc, $"{path}.mode", $"'{mode}' is not a mode; use DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL"));
            return;
        }

        if (tls.InsecureSkipVerify == true)
        {
            if (mode == ClientTlsSettings.Simple && (tls.CaCertificates is not null || tls.SubjectAltNames.Count > 0))
            {
                errors.Add(new ConfigError(doc, path, "cannot specify caCertificates or subjectAltNames when insecureSkipVerify is set true"));
            }

            if (mode == ClientTlsSettings.Mutual && (tls.CaCertificates is not null || tls.SubjectAltNames.Count > 0))
            {
                errors.Add(new ConfigError(doc, path, "cannot specify caCertificates or subjectAltNames when insecureSkipVerify is set true"));
            }
        }

        if (mode == ClientTlsSettings.Mutual)
        {
            if (string.IsNullOrEmpty(tls.ClientCertificate))
            {
                errors.Add(new ConfigError(doc, $"{path}.clientCertificate", "client certificate required for mutual tls"));
            }

            if (string.IsNullOrEmpty(tls.PrivateKey))
            {
                errors.Add(new ConfigError(doc, $"{path}.privateKey", "private key required for mutual tls"));
            }
        }

        // Fields a mode does not use would be silently ignored: refuse them, naming each.
        var unused = mode switch
        {
            ClientTlsSettings.Disable => new[] { ("clientCertificate", tls.ClientCertificate), ("privateKey", tls.PrivateKey), ("caCertificates", tls.CaCertificates), ("sni", tls.Sni), ("insecureSkipVerify", tls.InsecureSkipVerify?.ToString()), ("subjectAltNames", tls.SubjectAltNames.Count > 0 ? "set" : null) },
            ClientTlsSettings.IstioMutual => [("clientCertificate", tls.ClientCertificate), ("privateKey", tls.PrivateKey), ("caCertificates", tls.CaCertificates), ("insecureSkipVerify", tls.InsecureSkipVerify?.ToString())],
            ClientTlsSettings.Simple => [("clientCertificate", tls.ClientCertificate), ("privateKey", tls.PrivateKey)],
            _ => [],
        };
        foreach (var (field, value) in unused)
        {
            if (value is not null)
            {
                errors.Add(new ConfigError(doc, $"{path}.{field}", $"is not used in mode {mode}; remove it"));
            }
        }
    }

    private static void ValidateTrafficPolicy(TrafficPolicy? policy, string path, string doc, List<ConfigError> errors)
    {
        // Istio's validateTrafficPolicy and validateConnectionPool: an empty one says nothing, so it is a mistake.
        if (policy is { LoadBalancer: null, ConnectionPool: null, OutlierDetection: null, Tls: null, PortLevelSettings.Count: 0 })
        {
            errors.Add(new ConfigError(doc, path, "is empty; set loadBalancer, connectionPool, outlierDetection, tls or portLevelSettings, or remove it"));
        }

        if (policy is not null)
        {
            ValidateClientTls(policy.Tls, $"{path}.tls", doc, errors);
            var ports = new HashSet<int>();
            for (var i = 0; i < policy.PortLevelSettings.Count; i++)
            {
                var port = policy.PortLevelSettings[i];
                var portPath = $"{path}.portLevelSettings[{i}]";
                if (port.Port is not (>= 1 and <= 65535))
                {
                    errors.Add(new ConfigError(doc, $"{portPath}.port.number", "is required, 1-65535 (Istio: portTrafficPolicy must have valid port)"));
                }
                else if (!ports.Add(port.Port.Value))
                {
                    errors.Add(new ConfigError(doc, $"{portPath}.port.number", $"port {port.Port} is listed twice; keep one"));
                }

                if (port.Tls is null)
                {
                    errors.Add(new ConfigError(doc, portPath, "is empty; set tls (Istio: port traffic policy must have at least one field)"));
                }

                ValidateClientTls(port.Tls, $"{portPath}.tls", doc, errors);
            }
        }

        if (policy?.ConnectionPool is { Tcp: null, Http: null })
        {
            errors.Add(new ConfigError(doc, $"{path}.connectionPool", "is empty; set tcp or http, or remove it"));
        }

        if (policy?.ConnectionPool is { } pool)
        {
            var poolPath = $"{path}.connectionPool";
            // Istio's validateConnectionPool: counts of 0 or more; 0 leaves the limit at its default (none), as translation does.
            NotNegative(pool.Tcp?.MaxConnections, $"{poolPath}.tcp.maxConnections", doc, errors);
            Positive(pool.Tcp?.ConnectTimeout, $"{poolPath}.tcp.connectTimeout", doc, errors);
            NotNegative(pool.Http?.Http1MaxPendingRequests, $"{poolPath}.http.http1MaxPendingRequests", doc, errors);
            NotNegative(pool.Http?.Http2MaxRequests, $"{poolPath}.http.http2MaxRequests", doc, errors);
            NotNegative(pool.Http?.MaxRequestsPerConnection, $"{poolPath}.http.maxRequestsPerConnection", doc, errors);
            Positive(pool.Http?.IdleTimeout, $"{poolPath}.http.idleTimeout", doc, errors);
            if (pool.Http?.MaxRetries is < 0)
            {
                errors.Add(new ConfigError(doc, $"{poolPath}.http.maxRetries", $"is {pool.Http.MaxRetries}; use 0 or more"));
            }
        }

        if (policy?.OutlierDetection is { } outlier)
        {
            var odPath = $"{path}.outlierDetection";
            foreach (var (value, field) in new[] { (outlier.Consecutive5xxErrors, "consecutive5xxErrors"), (outlier.ConsecutiveGatewayErrors, "consecutiveGatewayErrors") })
            {
                if (value is < 0)
                {
                    errors.Add(new ConfigError(doc, $"{odPath}.{field}", $"is {value}; use 0 (off) or more"));
                }
            }

            Positive(outlier.Interval, $"{odPath}.interval", doc, errors);
            Positive(outlier.BaseEjectionTime, $"{odPath}.baseEjectionTime", doc, errors);
            foreach (var (value, field) in new[] { (outlier.MaxEjectionPercent, "maxEjectionPercent"), (outlier.MinHealthPercent, "minHealthPercent") })
            {
                if (value is < 0 or > 100)
                {
                    errors.Add(new ConfigError(doc, $"{odPath}.{field}", $"is {value}; use 0 to 100"));
                }
            }
        }

        if (policy?.LoadBalancer is not { } lb)
        {
            return;
        }

        path += ".loadBalancer";
        if (lb.Simple is not null && lb.ConsistentHash is not null)
        {
            errors.Add(new ConfigError(doc, path, "set either simple or consistentHash, not both"));
        }

        if (lb.Simple is { } simple && !SimpleLoadBalancers.Contains(simple))
        {
            var hint = simple == "PASSTHROUGH" ? "PASSTHROUGH is not supported by Mesh" : $"'{simple}' is not a load balancer";
            errors.Add(new ConfigError(doc, $"{path}.simple", $"{hint}; use ROUND_ROBIN, LEAST_REQUEST or RANDOM"));
        }

        if (lb.ConsistentHash is { } hash)
        {
            var keys = (hash.HttpHeaderName is null ? 0 : 1) + (hash.HttpCookie is null ? 0 : 1) + (hash.UseSourceIp ? 1 : 0) + (hash.HttpQueryParameterName is null ? 0 : 1);
            if (keys != 1)
            {
                errors.Add(new ConfigError(doc, $"{path}.consistentHash", $"sets {keys} hash keys; set exactly one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName"));
            }

            InRange(hash.HttpCookie?.Ttl, $"{path}.consistentHash.httpCookie.ttl", doc, errors);
            if (hash.HttpCookie is { } cookie && string.IsNullOrWhiteSpace(cookie.Name))
            {
                errors.Add(new ConfigError(doc, $"{path}.consistentHash.httpCookie.name", "is empty; name the cookie to hash on, such as 'session'"));
            }
            if (hash.MinimumRingSize is { } size && size is < 1 or > 8_388_608)
            {
                errors.Add(new ConfigError(doc, $"{path}.consistentHash.ringHash.minimumRingSize", $"{size} is out of range; use 1 to 8388608"));
            }
        }
    }

    /// <summary>A DNS-1123 label as Istio checks subset names: 1-63 letters, digits and '-', starting and ending with a letter or digit.</summary>
    private static bool IsDnsLabel(string name) =>
        name.Length is > 0 and <= 63 &&
        char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]) &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>
    /// Istio's ValidateWildcardDomain for a host without a wildcard: dot-separated DNS-1123 labels, at most
    /// 255 characters, the last label not all digits; or an IP address where Istio allows one (VirtualService hosts, destinations).
    /// </summary>
    private static bool IsHostName(string host, bool allowIp)
    {
        if (allowIp && System.Net.IPAddress.TryParse(host, out _))
        {
            return true;
        }

        var labels = host.TrimEnd('.').Split('.');
        return host.Length <= 255 && labels.All(IsDnsLabel) && !labels[^1].All(char.IsAsciiDigit);
    }

    private static string BadHost(string host) =>
        $"'{host}' is not a host name; use DNS labels of letters, digits and '-' separated by dots (Istio's rule), such as 'reviews' or 'reviews.default.svc.cluster.local'";

    /// <summary>Istio's validateExportTo for a VirtualService or DestinationRule: '.', '*' or namespace names, no repeats, '*' alone, no '~'.</summary>
    private static void ValidateExportTo(IReadOnlyList<string> exportTo, string doc, List<ConfigError> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < exportTo.Count; i++)
        {
            var entry = exportTo[i];
            var path = $"spec.exportTo[{i}]";
            if (entry == "~")
            {
                errors.Add(new ConfigError(doc, path, "'~' (visible nowhere) is not allowed here, as in Istio; delete the document instead"));
            }
            else if (entry is not ("." or "*") && !IsDnsLabel(entry))
            {
                errors.Add(new ConfigError(doc, path, $"'{entry}' is not a namespace name; use '.', '*' or a namespace such as 'default'"));
            }
            else if (!seen.Add(entry))
            {
                errors.Add(new ConfigError(doc, path, $"'{entry}' is listed twice; list it once"));
            }
        }

        if (seen.Contains("*") && exportTo.Count > 1)
        {
            errors.Add(new ConfigError(doc, "spec.exportTo", "'*' exports everywhere, so it stands alone; remove the other entries"));
        }
    }
}
