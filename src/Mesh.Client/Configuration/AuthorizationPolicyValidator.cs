using System.Globalization;
using System.Net;

namespace Mesh.Configuration;

/// <summary>
/// Checks an AuthorizationPolicy as Istio's <c>pkg/config/validation</c> (<c>ValidateAuthorizationPolicy</c>) and
/// <c>pkg/config/security</c> do, with Mesh's own refusals: CUSTOM (no external authorizer), the
/// <c>when</c> keys Mesh cannot evaluate in-process, and path templates. Reports every error with its field path.
/// </summary>
internal static class AuthorizationPolicyValidator
{
    /// <summary>The <c>when</c> keys Mesh evaluates; <c>request.headers[NAME]</c> is checked apart.</summary>
    private static readonly HashSet<string> SupportedKeys = new(StringComparer.Ordinal)
    {
        "source.ip", "remote.ip", "source.principal", "source.namespace", "destination.ip", "destination.port", "connection.sni",
    };

    /// <summary>Validates <paramref name="policy"/>, adding an error for each problem to <paramref name="errors"/>.</summary>
    public static void Validate(AuthorizationPolicy policy, List<ConfigError> errors)
    {
        var doc = policy.DisplayName;
        var spec = policy.Spec;
        void Error(string path, string message) => errors.Add(new ConfigError(doc, path, message));

        switch (spec.Action)
        {
            case AuthorizationActions.Allow or AuthorizationActions.Deny or AuthorizationActions.Audit:
                break;
            case AuthorizationActions.Custom:
                Error("spec.action", "CUSTOM is not supported by Mesh: it delegates to an external authorizer (Envoy ext_authz) that a proxyless mesh does not have; use ALLOW or DENY");
                break;
            default:
                Error("spec.action", $"'{spec.Action}' is not an action; use ALLOW, DENY or AUDIT");
                break;
        }

        if (spec.HasProvider && spec.Action != AuthorizationActions.Custom)
        {
            Error("spec.provider", $"must not be set with action {spec.Action} (only CUSTOM takes a provider); remove it");
        }

        if (spec.Action == AuthorizationActions.Deny && spec.Rules.Count == 0)
        {
            Error("spec.rules", "DENY without rules is meaningless as it never matches (Istio refuses it); add an empty rule '{}' to deny every request");
        }

        if (policy.Metadata.Annotations.TryGetValue("istio.io/dry-run", out var dryRun) &&
            dryRun is not ("1" or "t" or "T" or "true" or "TRUE" or "True" or "0" or "f" or "F" or "false" or "FALSE" or "False"))
        {
            Error("metadata.annotations.istio.io/dry-run", $"'{dryRun}' is not true or false");
        }

        ValidateTarget(spec, Error);
        for (var r = 0; r < spec.Rules.Count; r++)
        {
            ValidateRule(spec.Rules[r], $"spec.rules[{r}]", Error);
        }
    }

    private static void ValidateTarget(AuthorizationPolicySpec spec, Action<string, string> error)
    {
        // Istio's validateOneOfSelectorType: selector, targetRef and targetRefs are three ways to say one thing.
        if ((spec.Selector is null ? 0 : 1) + (spec.TargetRef is null ? 0 : 1) + (spec.TargetRefs.Count > 0 ? 1 : 0) > 1)
        {
            error("spec", "set only one of selector, targetRef or targetRefs");
        }

        if (spec.Selector is { } selector)
        {
            foreach (var (key, value) in selector.MatchLabels)
            {
                if (key.Length == 0)
                {
                    error("spec.selector.matchLabels", $"an empty label name is not allowed ('{key}={value}')");
                }

                if (key.Contains('*', StringComparison.Ordinal) || value.Contains('*', StringComparison.Ordinal))
                {
                    error($"spec.selector.matchLabels.{key}", $"a wildcard is not allowed in a selector ('{key}={value}')");
                }
            }
        }

        foreach (var (target, path) in spec.AllTargetRefs)
        {
            if (target.Name.Length == 0)
            {
                error($"{path}.name", "is required");
            }

            if (!string.IsNullOrEmpty(target.Namespace))
            {
                error($"{path}.namespace", "must not be set: a policy can only attach to a resource of its own namespace (Istio's rule)");
            }

            var group = target.Group is "" or "core" ? "core" : target.Group;
            switch (group, target.Kind)
            {
                case ("core", "Service"):
                    break;
                case ("networking.istio.io", "ServiceEntry"):
                    error($"{path}.kind", "ServiceEntry is not supported by Mesh as a target; attach the policy to a Service or use a selector");
                    break;
                case ("gateway.networking.k8s.io", "Gateway" or "GatewayClass"):
                    error($"{path}.kind", $"{target.Kind} is not supported by Mesh as a target: a proxyless mesh has no gateway proxy; attach the policy to a Service or use a selector");
                    break;
                default:
                    error($"{path}.kind", $"'{target.Group}/{target.Kind}' is not a target kind; use kind Service (group \"\")");
                    break;
            }
        }
    }

    private static void ValidateRule(Rule rule, string path, Action<string, string> error)
    {
        if (rule.From is { Count: 0 })
        {
            error($"{path}.from", "must not be empty; remove it to match every source");
        }

        for (var i = 0; i < rule.From?.Count; i++)
        {
            var source = rule.From[i];
            var sourcePath = $"{path}.from[{i}].source";
            if (source.IsEmpty)
            {
                error(sourcePath, "must not be empty; set a field such as principals, or remove the entry");
            }

            NotEmpty(source.Principals, $"{sourcePath}.principals", error);
            NotEmpty(source.NotPrincipals, $"{sourcePath}.notPrincipals", error);
            NotEmpty(source.Namespaces, $"{sourcePath}.namespaces", error);
            NotEmpty(source.NotNamespaces, $"{sourcePath}.notNamespaces", error);
            Ips(source.IpBlocks, $"{sourcePath}.ipBlocks", error);
            Ips(source.NotIpBlocks, $"{sourcePath}.notIpBlocks", error);
            Ips(source.RemoteIpBlocks, $"{sourcePath}.remoteIpBlocks", error);
            Ips(source.NotRemoteIpBlocks, $"{sourcePath}.notRemoteIpBlocks", error);
        }

        if (rule.To is { Count: 0 })
        {
            error($"{path}.to", "must not be empty; remove it to match every operation");
        }

        for (var i = 0; i < rule.To?.Count; i++)
        {
            var operation = rule.To[i];
            var operationPath = $"{path}.to[{i}].operation";
            if (operation.IsEmpty)
            {
                error(operationPath, "must not be empty; set a field such as methods, or remove the entry");
            }

            NotEmpty(operation.Hosts, $"{operationPath}.hosts", error);
            NotEmpty(operation.NotHosts, $"{operationPath}.notHosts", error);
            Ports(operation.Ports, $"{operationPath}.ports", error);
            Ports(operation.NotPorts, $"{operationPath}.notPorts", error);
            NotEmpty(operation.Methods, $"{operationPath}.methods", error);
            NotEmpty(operation.NotMethods, $"{operationPath}.notMethods", error);
            Paths(operation.Paths, $"{operationPath}.paths", error);
            Paths(operation.NotPaths, $"{operationPath}.notPaths", error);
        }

        for (var i = 0; i < rule.When.Count; i++)
        {
            ValidateCondition(rule.When[i], $"{path}.when[{i}]", error);
        }
    }

    private static void ValidateCondition(Condition condition, string path, Action<string, string> error)
    {
        var key = condition.Key;
        if (key.Length == 0)
        {
            error($"{path}.key", "must not be empty");
            return;
        }

        if (condition.Values.Count == 0 && condition.NotValues.Count == 0)
        {
            error(path, $"set at least one of values or notValues for key '{key}'");
        }

        if (key.StartsWith("request.auth.", StringComparison.Ordinal))
        {
            error($"{path}.key", $"'{key}' is not supported by Mesh until RequestAuthentication (JWT) is supported");
            return;
        }

        if (key.StartsWith("request.headers", StringComparison.Ordinal))
        {
            if (HeaderName(key) is not { } header)
            {
                error($"{path}.key", $"'{key}' should have the form request.headers[NAME]");
            }
            else if (!IsHeaderName(header))
            {
                // No request can carry such a header: a DENY on it would never deny.
                error($"{path}.key", $"'{Printable(header)}' is not an HTTP header name (RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~), so no request carries it");
                return;
            }
        }
        else if (key == "destination.namespace")
        {
            error($"{path}.key", $"'{key}' is replaced by the policy's metadata.namespace (Istio's rule)");
            return;
        }
        else if (key.StartsWith("destination.labels", StringComparison.Ordinal))
        {
            error($"{path}.key", $"'{key}' is replaced by the workload selector (Istio's rule)");
            return;
        }
        else if (key is "destination.name" or "destination.user")
        {
            error($"{path}.key", $"'{key}' is deprecated: only supported in v1alpha1 (Istio's rule)");
            return;
        }
        else if (key.StartsWith("experimental.envoy.filters.", StringComparison.Ordinal) || key == "source.serviceAccount")
        {
            error($"{path}.key", $"'{key}' is not supported by Mesh; supported keys: request.headers[NAME], {string.Join(", ", SupportedKeys)}");
            return;
        }
        else if (!SupportedKeys.Contains(key))
        {
            error($"{path}.key", $"'{key}' is not a known attribute; supported keys: request.headers[NAME], {string.Join(", ", SupportedKeys)}");
            return;
        }

        foreach (var (values, field) in new[] { (condition.Values, "values"), (condition.NotValues, "notValues") })
        {
            switch (key)
            {
                case "source.ip" or "remote.ip" or "destination.ip":
                    Ips(values, $"{path}.{field}", error);
                    break;
                case "destination.port":
                    Ports(values, $"{path}.{field}", error);
                    break;
                default:
                    NotEmpty(values, $"{path}.{field}", error);
                    break;
            }
        }
    }

    /// <summary>The header name of <c>request.headers[NAME]</c>, or null when the key is not of that form.</summary>
    public static string? HeaderName(string key)
    {
        const string prefix = "request.headers[";
        return key.StartsWith(prefix, StringComparison.Ordinal) && key.EndsWith(']') && key.Length > prefix.Length + 1
            ? key[prefix.Length..^1]
            : null;
    }

    private static bool IsHeaderName(string name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The text with control and non-ASCII characters as <c>\uXXXX</c>, cut to 100 chars, for an error message.</summary>
    private static string Printable(string text)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var c in text.Length > 100 ? text[..100] : text)
        {
            builder.Append(c is >= ' ' and <= '~' ? c.ToString() : "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    private static bool NotEmpty(IReadOnlyList<string> values, string path, Action<string, string> error)
    {
        var ok = true;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i].Length == 0)
            {
                error($"{path}[{i}]", "must not be empty");
                ok = false;
            }
        }

        return ok;
    }

    private static void Ips(IReadOnlyList<string> values, string path, Action<string, string> error)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (!TryParseCidr(values[i], out _, out _))
            {
                error($"{path}[{i}]", values[i].Contains('/', StringComparison.Ordinal)
                    ? $"'{values[i]}' is not a CIDR range, such as 10.1.0.0/16 or 2001:db8::/32"
                    : $"'{values[i]}' is not an IP address, such as 10.1.2.3 or 2001:db8::1");
            }
        }
    }

    private static void Ports(IReadOnlyList<string> values, string path, Action<string, string> error)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (!TryParsePort(values[i], out _))
            {
                error($"{path}[{i}]", $"'{values[i]}' is not a port: use a number from 0 to 65535 (no wildcards)");
            }
        }
    }

    private static void Paths(IReadOnlyList<string> values, string path, Action<string, string> error)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i].Length == 0)
            {
                error($"{path}[{i}]", "must not be empty");
            }
            else if (values[i].Contains("{*}", StringComparison.Ordinal) || values[i].Contains("{**}", StringComparison.Ordinal))
            {
                error($"{path}[{i}]", $"path template '{values[i]}' is not supported by Mesh yet; use an exact path, 'prefix*' or '*suffix'");
            }
        }
    }

    /// <summary>Parses a port as Istio does (a decimal number to 65535).</summary>
    public static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;

    /// <summary>
    /// Parses an IP address or a CIDR range as Go's <c>netip</c> does: a single address is a range of one; the
    /// address of a range may have host bits set (Envoy masks them).
    /// </summary>
    public static bool TryParseCidr(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address, out int prefixLength)
    {
        address = null;
        prefixLength = 0;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];

        // IPAddress.TryParse takes forms netip refuses ("1", "0x1", zones in a range); require the dotted or colon form.
        if (addressText.Length == 0 || !(addressText.Contains('.', StringComparison.Ordinal) || addressText.Contains(':', StringComparison.Ordinal)) ||
            addressText.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(addressText, out var parsed) ||
            (parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3))
        {
            return false;
        }

        var bits = parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (slash < 0)
        {
            prefixLength = bits;
        }
        else if (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefixLength) || prefixLength > bits)
        {
            return false;
        }

        address = parsed;
        return true;
    }
}
