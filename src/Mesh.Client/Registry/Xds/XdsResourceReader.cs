using System.Globalization;
using System.Net;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Http.Fault.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Envoy.Type.Matcher.V3;
using Envoy.Type.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Configuration;
using Mesh.Configuration.Internal;
using Mesh.Snapshot;
using IstioFaultAbort = Mesh.Configuration.FaultAbort;
using IstioFaultDelay = Mesh.Configuration.FaultDelay;
using IstioOutlierDetection = Mesh.Configuration.OutlierDetection;
using XdsRouteMessage = Envoy.Config.Route.V3.Route;

namespace Mesh.Registry.Xds;

/// <summary>
/// Reads one xDS resource into Mesh's own shapes (the records the snapshot is made of: routes in Istio's model,
/// traffic policies, endpoints), the inverse of Mesh.Server's translator. Every field Mesh does not implement is an
/// error naming its path, so the resource is NACKed instead of being applied with a meaning silently dropped.
/// </summary>
internal sealed class XdsResourceReader(List<string> errors)
{
    public static XdsListener? ReadListener(Listener listener, List<string> errors) => new XdsResourceReader(errors).Listener(listener);

    public static XdsRouteTable? ReadRoutes(RouteConfiguration config, List<string> errors) => new XdsResourceReader(errors).Routes(config, "");

    public static XdsCluster? ReadCluster(Envoy.Config.Cluster.V3.Cluster cluster, List<string> errors) => new XdsResourceReader(errors).Cluster(cluster);

    public static XdsEndpoints? ReadEndpoints(ClusterLoadAssignment assignment, List<string> errors) => new XdsResourceReader(errors).Endpoints(assignment);

    private void Unsupported(string path, string why = "not supported by Mesh") => errors.Add($"{path}: {why}");

    private XdsListener? Listener(Listener listener)
    {
        var before = errors.Count;
        XdsFieldCheck.Check(Envoy.Config.Listener.V3.Listener.Descriptor, listener.ToByteString(), "", errors);
        if (listener.FilterChains.Count > 0)
        {
            Unsupported("filter_chains", "server-side listeners are not supported by Mesh.Client (client listeners are api_listener)");
        }

        if (listener.DefaultFilterChain is not null)
        {
            Unsupported("default_filter_chain", "server-side listeners are not supported by Mesh.Client");
        }

        if (listener.ListenerFilters.Count > 0)
        {
            Unsupported("listener_filters");
        }

        if (listener.UseOriginalDst is true)
        {
            Unsupported("use_original_dst");
        }

        // address is what istiod fills in (the service VIP); a client listener is selected by name, as gRPC does.
        if (listener.ApiListener?.ApiListener_ is not { } any || !any.TryUnpack<HttpConnectionManager>(out var manager))
        {
            errors.Add("api_listener.api_listener: must be an envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
            return null;
        }

        const string at = "api_listener.api_listener";
        if (manager.CommonHttpProtocolOptions?.IdleTimeout is not null)
        {
            Unsupported($"{at}.common_http_protocol_options.idle_timeout");
        }

        for (var i = 0; i < manager.HttpFilters.Count; i++)
        {
            var filter = manager.HttpFilters[i];
            var last = i == manager.HttpFilters.Count - 1;
            var where = $"{at}.http_filters[{i}] '{filter.Name}'";
            var type = filter.TypedConfig?.TypeUrl ?? "";
            if (type.EndsWith("envoy.extensions.filters.http.router.v3.Router", StringComparison.Ordinal))
            {
                if (!last)
                {
                    errors.Add($"{where}: the router filter must be the last filter");
                }
            }
            else if (type.EndsWith("envoy.extensions.filters.http.fault.v3.HTTPFault", StringComparison.Ordinal))
            {
                // A filter-level fault applies to every route; Mesh reads faults per route (typed_per_filter_config) only.
                if (filter.TypedConfig!.TryUnpack<HTTPFault>(out var fault) && (fault.Delay is not null || fault.Abort is not null))
                {
                    Unsupported($"{where}.typed_config", "a fault filter config for every route is not supported by Mesh; set it per route (typed_per_filter_config)");
                }
            }
            else if (!filter.IsOptional)
            {
                errors.Add($"{where}: the filter type '{type}' is not supported by Mesh (only envoy.filters.http.fault and envoy.filters.http.router)");
            }

            if (last && !type.EndsWith("envoy.extensions.filters.http.router.v3.Router", StringComparison.Ordinal))
            {
                errors.Add($"{at}.http_filters: the last filter must be the router");
            }
        }

        if (manager.HttpFilters.Count == 0)
        {
            errors.Add($"{at}.http_filters: no router filter");
        }

        var duration = manager.CommonHttpProtocolOptions?.MaxStreamDuration?.ToTimeSpan();
        switch (manager.RouteSpecifierCase)
        {
            case HttpConnectionManager.RouteSpecifierOneofCase.Rds:
                if (manager.Rds.ConfigSource is not { } source || source.ConfigSourceSpecifierCase is not (ConfigSource.ConfigSourceSpecifierOneofCase.Ads or ConfigSource.ConfigSourceSpecifierOneofCase.Self))
                {
                    errors.Add($"{at}.rds.config_source: must be ads or self");
                }

                return errors.Count > before ? null : new XdsListener(manager.Rds.RouteConfigName, null, duration);
            case HttpConnectionManager.RouteSpecifierOneofCase.RouteConfig:
                var inline = Routes(manager.RouteConfig, $"{at}.route_config.");
                return errors.Count > before ? null : new XdsListener(null, inline, duration);
            default:
                errors.Add($"{at}: neither rds nor route_config is set");
                return null;
        }
    }

    private XdsRouteTable? Routes(RouteConfiguration config, string prefix)
    {
        var before = errors.Count;
        if (prefix.Length == 0)
        {
            XdsFieldCheck.Check(RouteConfiguration.Descriptor, config.ToByteString(), "", errors);
        }

        var hosts = new List<XdsVirtualHost>();
        for (var v = 0; v < config.VirtualHosts.Count; v++)
        {
            var host = config.VirtualHosts[v];
            var at = $"{prefix}virtual_hosts[{v}]";
            foreach (var domain in host.Domains)
            {
                var star = domain.IndexOf('*', StringComparison.Ordinal);
                if (star >= 0 && (domain.LastIndexOf('*') != star || (star != 0 && star != domain.Length - 1)))
                {
                    errors.Add($"{at}.domains: '{domain}' has a wildcard that is not one '*' at the start or end");
                }
            }

            var hostFault = FaultOf(host.TypedPerFilterConfig, $"{at}.typed_per_filter_config");
            var hostRetry = host.RetryPolicy is { } r ? Retry(r, $"{at}.retry_policy") : null;
            var routes = new List<XdsRoute>();
            for (var i = 0; i < host.Routes.Count; i++)
            {
                if (Route(host.Routes[i], $"{at}.routes[{i}]", i, hostFault, hostRetry) is { } route)
                {
                    routes.Add(route);
                }
            }

            hosts.Add(new XdsVirtualHost(host.Name, [.. host.Domains], routes));
        }

        return errors.Count > before ? null : new XdsRouteTable(hosts);
    }

    private XdsRoute? Route(XdsRouteMessage route, string at, int index, HttpFaultInjection? hostFault, HttpRetry? hostRetry)
    {
        switch (route.ActionCase)
        {
            case XdsRouteMessage.ActionOneofCase.Route_:
                break;
            case XdsRouteMessage.ActionOneofCase.Redirect:
                Unsupported($"{at}.redirect");
                return null;
            case XdsRouteMessage.ActionOneofCase.DirectResponse:
                Unsupported($"{at}.direct_response");
                return null;
            case XdsRouteMessage.ActionOneofCase.NonForwardingAction:
                Unsupported($"{at}.non_forwarding_action", "is for server listeners, not a client's routes");
                return null;
            default:
                errors.Add($"{at}: no action (route) is set");
                return null;
        }

        var match = Match(route.Match, $"{at}.match");
        var action = route.Route_;
        var a = $"{at}.route";
        var destinations = new List<HttpRouteDestination>();
        var clusters = new List<string>();
        switch (action.ClusterSpecifierCase)
        {
            case RouteAction.ClusterSpecifierOneofCase.Cluster:
                destinations.Add(Destination(action.Cluster, null));
                clusters.Add(action.Cluster);
                break;
            case RouteAction.ClusterSpecifierOneofCase.WeightedClusters:
                if (action.WeightedClusters.TotalWeight is not null)
                {
                    Unsupported($"{a}.weighted_clusters.total_weight", "is deprecated and not supported by Mesh (weights are relative)");
                }

                long sum = 0;
                for (var i = 0; i < action.WeightedClusters.Clusters.Count; i++)
                {
                    var weighted = action.WeightedClusters.Clusters[i];
                    if (weighted.TypedPerFilterConfig.Count > 0)
                    {
                        Unsupported($"{a}.weighted_clusters.clusters[{i}].typed_per_filter_config");
                    }

                    var weight = weighted.Weight ?? 0;
                    sum += weight;
                    destinations.Add(Destination(weighted.Name, (int)Math.Min(weight, int.MaxValue)));
                    clusters.Add(weighted.Name);
                }

                if (sum is <= 0 or > uint.MaxValue)
                {
                    errors.Add($"{a}.weighted_clusters: the weights sum to {sum}; it must be more than 0 and less than 2^32");
                }

                break;
            case RouteAction.ClusterSpecifierOneofCase.ClusterHeader:
                Unsupported($"{a}.cluster_header");
                return null;
            default:
                errors.Add($"{a}: no cluster, weighted_clusters");
                return null;
        }

        if (action.PrefixRewrite.Length > 0)
        {
            Unsupported($"{a}.prefix_rewrite");
        }

        if (action.RequestMirrorPolicies.Count > 0)
        {
            Unsupported($"{a}.request_mirror_policies");
        }

        // gRFC A31: max_stream_duration (grpc_timeout_header_max caps the caller's own deadline to the same value in Mesh) is the
        // route's timeout; istiod's proxyless generator sends nothing else, so HTTP requests are bounded by it too. Envoy's timeout
        // (ignored by gRPC) is read for HTTP-only servers when max_stream_duration is absent.
        TimeSpan? timeout = null;
        if (action.MaxStreamDuration is { } msd)
        {
            if (msd.GrpcTimeoutHeaderOffset is not null)
            {
                Unsupported($"{a}.max_stream_duration.grpc_timeout_header_offset");
            }

            timeout = (msd.MaxStreamDuration_ ?? msd.GrpcTimeoutHeaderMax)?.ToTimeSpan();
        }

        timeout ??= action.Timeout?.ToTimeSpan();
        if (timeout is { } t && (t < TimeSpan.Zero))
        {
            errors.Add($"{a}.max_stream_duration: negative");
        }

        var retries = action.RetryPolicy is { } rp ? Retry(rp, $"{a}.retry_policy") : hostRetry;
        string? hashHeader = null;
        for (var i = 0; i < action.HashPolicy.Count; i++)
        {
            var policy = action.HashPolicy[i];
            if (policy.PolicySpecifierCase == RouteAction.Types.HashPolicy.PolicySpecifierOneofCase.Header && hashHeader is null && !policy.Terminal)
            {
                hashHeader = policy.Header.HeaderName;
            }
            else
            {
                Unsupported($"{a}.hash_policy[{i}]", "only one hash policy, on a header, is supported by Mesh");
            }
        }

        var fault = FaultOf(route.TypedPerFilterConfig, $"{at}.typed_per_filter_config") ?? hostFault;
        var http = new HttpRoute
        {
            Name = route.Name.Length > 0 ? route.Name : null,
            Match = match is null ? ValueList<HttpMatchRequest>.Empty : new ValueList<HttpMatchRequest>([match]),
            Route = new ValueList<HttpRouteDestination>(destinations),
            Timeout = timeout is { } value && value > TimeSpan.Zero ? value : null,
            Retries = retries,
            Fault = fault,
        };
        var name = route.Name.Length > 0 ? route.Name : $"route[{index.ToString(CultureInfo.InvariantCulture)}]";
        return new XdsRoute(name, http, new ValueList<string>(clusters), hashHeader);
    }

    private static HttpRouteDestination Destination(string cluster, int? weight)
    {
        // outbound|port|subset|fqdn names say the service, subset and port; other names stand for themselves.
        var parts = cluster.Split('|');
        var destination = parts.Length == 4 && parts[0] == "outbound"
            ? new Destination
            {
                Host = parts[3],
                Subset = parts[2].Length > 0 ? parts[2] : null,
                Port = int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null,
            }
            : new Destination { Host = cluster };
        return new HttpRouteDestination { Destination = destination, Weight = weight };
    }

    private HttpMatchRequest? Match(RouteMatch? match, string at)
    {
        if (match is null)
        {
            errors.Add($"{at}: missing");
            return null;
        }

        if (match.QueryParameters.Count > 0)
        {
            Unsupported($"{at}.query_parameters", "gRPC never matches them (gRFC A28), and Mesh does not read them from xDS");
        }

        if (match.RuntimeFraction is not null)
        {
            Unsupported($"{at}.runtime_fraction");
        }

        var uri = match.PathSpecifierCase switch
        {
            RouteMatch.PathSpecifierOneofCase.Prefix => match.Prefix is "" or "/" ? null : new StringMatch { Prefix = match.Prefix },
            RouteMatch.PathSpecifierOneofCase.Path => new StringMatch { Exact = match.Path },
            RouteMatch.PathSpecifierOneofCase.SafeRegex => new StringMatch { Regex = Regex(match.SafeRegex, $"{at}.safe_regex") },
            _ => null,
        };
        if (match.PathSpecifierCase == RouteMatch.PathSpecifierOneofCase.None)
        {
            errors.Add($"{at}: no path specifier (prefix, path or safe_regex)");
        }

        var headers = new Dictionary<string, StringMatch>(StringComparer.Ordinal);
        var without = new Dictionary<string, StringMatch>(StringComparer.Ordinal);
        for (var i = 0; i < match.Headers.Count; i++)
        {
            var header = match.Headers[i];
            var h = $"{at}.headers[{i}]";
            if (header.Name.StartsWith(':'))
            {
                Unsupported($"{h}.name", $"'{header.Name}': pseudo-headers are never matched (gRFC A28)");
                continue;
            }

            var value = header.HeaderMatchSpecifierCase switch
            {
                HeaderMatcher.HeaderMatchSpecifierOneofCase.ExactMatch => new StringMatch { Exact = header.ExactMatch },
                HeaderMatcher.HeaderMatchSpecifierOneofCase.PrefixMatch => new StringMatch { Prefix = header.PrefixMatch },
                HeaderMatcher.HeaderMatchSpecifierOneofCase.SafeRegexMatch => new StringMatch { Regex = Regex(header.SafeRegexMatch, $"{h}.safe_regex_match") },
                HeaderMatcher.HeaderMatchSpecifierOneofCase.PresentMatch when header.PresentMatch => new StringMatch(),
                HeaderMatcher.HeaderMatchSpecifierOneofCase.StringMatch => StringMatcher(header.StringMatch, $"{h}.string_match"),
                _ => null,
            };
            if (value is null)
            {
                Unsupported($"{h}.{HeaderField(header)}");
                continue;
            }

            var target = header.InvertMatch ? without : headers;
            if (!target.TryAdd(header.Name.ToLowerInvariant(), value))
            {
                Unsupported($"{h}.name", $"'{header.Name}' is matched twice in one route; Mesh supports one matcher per header");
            }
        }

        return new HttpMatchRequest
        {
            Uri = uri,
            IgnoreUriCase = match.CaseSensitive is false,
            Headers = headers.Count == 0 ? HttpMatchRequest.EmptyMatches : new ValueMap<StringMatch>(headers),
            WithoutHeaders = without.Count == 0 ? HttpMatchRequest.EmptyMatches : new ValueMap<StringMatch>(without),
        };
    }

    private static string HeaderField(HeaderMatcher header) => header.HeaderMatchSpecifierCase switch
    {
        HeaderMatcher.HeaderMatchSpecifierOneofCase.RangeMatch => "range_match",
        HeaderMatcher.HeaderMatchSpecifierOneofCase.SuffixMatch => "suffix_match",
        HeaderMatcher.HeaderMatchSpecifierOneofCase.ContainsMatch => "contains_match",
        HeaderMatcher.HeaderMatchSpecifierOneofCase.PresentMatch => "present_match (false)",
        HeaderMatcher.HeaderMatchSpecifierOneofCase.StringMatch => "string_match",
        _ => "header_match_specifier (none set)",
    };

    private StringMatch? StringMatcher(StringMatcher matcher, string at)
    {
        if (matcher.IgnoreCase)
        {
            Unsupported($"{at}.ignore_case");
            return null;
        }

        return matcher.MatchPatternCase switch
        {
            Envoy.Type.Matcher.V3.StringMatcher.MatchPatternOneofCase.Exact => new StringMatch { Exact = matcher.Exact },
            Envoy.Type.Matcher.V3.StringMatcher.MatchPatternOneofCase.Prefix => new StringMatch { Prefix = matcher.Prefix },
            Envoy.Type.Matcher.V3.StringMatcher.MatchPatternOneofCase.SafeRegex => new StringMatch { Regex = Regex(matcher.SafeRegex, $"{at}.safe_regex") },
            _ => null,
        };
    }

    private string Regex(RegexMatcher matcher, string at)
    {
        try
        {
            _ = new System.Text.RegularExpressions.Regex(matcher.Regex, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{at}.regex: '{matcher.Regex}' is not a regular expression: {ex.Message}");
        }

        return matcher.Regex;
    }

    private HttpRetry? Retry(Envoy.Config.Route.V3.RetryPolicy policy, string at)
    {
        if (policy.RetryBackOff is not null)
        {
            Unsupported($"{at}.retry_back_off", "Mesh retries after Istio's fixed 25 ms back-off");
        }

        var attempts = (int)(policy.NumRetries ?? 1);
        if (attempts < 1)
        {
            errors.Add($"{at}.num_retries: must be at least 1");
        }

        if (policy.RetryOn.Length > 0 && !Mesh.Resilience.RetryConditions.TryParse(policy.RetryOn, out _, out var bad))
        {
            Unsupported($"{at}.retry_on", $"'{bad}' is not a retry condition Mesh implements");
        }

        return new HttpRetry { Attempts = attempts, RetryOn = policy.RetryOn.Length > 0 ? policy.RetryOn : null, PerTryTimeout = policy.PerTryTimeout?.ToTimeSpan() };
    }

    private HttpFaultInjection? FaultOf(Google.Protobuf.Collections.MapField<string, Any> configs, string at)
    {
        HttpFaultInjection? result = null;
        foreach (var (name, any) in configs)
        {
            var where = $"{at}['{name}']";
            var config = any;
            var optional = false;
            if (any.TryUnpack<FilterConfig>(out var wrapper))
            {
                config = wrapper.Config;
                optional = wrapper.IsOptional;
                if (wrapper.Disabled)
                {
                    continue;
                }
            }

            if (name == XdsTypeUrls.FaultFilter && config is not null && config.TryUnpack<HTTPFault>(out var fault))
            {
                result = Fault(fault, where);
            }
            else if (!optional)
            {
                errors.Add($"{where}: the filter config '{config?.TypeUrl}' is not supported by Mesh (only {XdsTypeUrls.FaultFilter} with HTTPFault)");
            }
        }

        return result;
    }

    private HttpFaultInjection? Fault(HTTPFault fault, string at)
    {
        if (fault.MaxActiveFaults is not null)
        {
            Unsupported($"{at}.max_active_faults");
        }

        IstioFaultDelay? delay = null;
        if (fault.Delay is { } d)
        {
            if (d.FaultDelaySecifierCase != Envoy.Extensions.Filters.Common.Fault.V3.FaultDelay.FaultDelaySecifierOneofCase.FixedDelay)
            {
                Unsupported($"{at}.delay.header_delay");
            }
            else
            {
                delay = new IstioFaultDelay { FixedDelay = d.FixedDelay.ToTimeSpan(), Percentage = Percent(d.Percentage, $"{at}.delay.percentage") };
            }
        }

        IstioFaultAbort? abort = null;
        if (fault.Abort is { } ab)
        {
            var percentage = Percent(ab.Percentage, $"{at}.abort.percentage");
            switch (ab.ErrorTypeCase)
            {
                case Envoy.Extensions.Filters.Http.Fault.V3.FaultAbort.ErrorTypeOneofCase.HttpStatus:
                    abort = new IstioFaultAbort { HttpStatus = (int)ab.HttpStatus, Percentage = percentage };
                    break;
                case Envoy.Extensions.Filters.Http.Fault.V3.FaultAbort.ErrorTypeOneofCase.GrpcStatus:
                    abort = new IstioFaultAbort { GrpcStatus = GrpcStatusCodes.NameOf((int)ab.GrpcStatus), Percentage = percentage };
                    break;
                default:
                    Unsupported($"{at}.abort.header_abort");
                    break;
            }
        }

        return delay is null && abort is null ? null : new HttpFaultInjection { Delay = delay, Abort = abort };
    }

    private double? Percent(FractionalPercent? percent, string at)
    {
        if (percent is null)
        {
            return 100; // Envoy: no percentage means always
        }

        var denominator = percent.Denominator switch
        {
            FractionalPercent.Types.DenominatorType.Hundred => 100.0,
            FractionalPercent.Types.DenominatorType.TenThousand => 10_000.0,
            FractionalPercent.Types.DenominatorType.Million => 1_000_000.0,
            _ => 0,
        };
        if (denominator == 0)
        {
            errors.Add($"{at}.denominator: unknown");
            return null;
        }

        return Math.Min(100, percent.Numerator / denominator * 100);
    }

    private XdsCluster? Cluster(Envoy.Config.Cluster.V3.Cluster cluster)
    {
        var before = errors.Count;
        XdsFieldCheck.Check(Envoy.Config.Cluster.V3.Cluster.Descriptor, cluster.ToByteString(), "", errors);
        if (cluster.ClusterDiscoveryTypeCase != Envoy.Config.Cluster.V3.Cluster.ClusterDiscoveryTypeOneofCase.Type || cluster.Type != Envoy.Config.Cluster.V3.Cluster.Types.DiscoveryType.Eds)
        {
            Unsupported(cluster.ClusterDiscoveryTypeCase == Envoy.Config.Cluster.V3.Cluster.ClusterDiscoveryTypeOneofCase.ClusterType ? "cluster_type" : $"type {cluster.Type}", "Mesh supports EDS clusters only");
        }

        if (cluster.EdsClusterConfig?.EdsConfig is not { } eds || eds.ConfigSourceSpecifierCase is not (ConfigSource.ConfigSourceSpecifierOneofCase.Ads or ConfigSource.ConfigSourceSpecifierOneofCase.Self))
        {
            errors.Add("eds_cluster_config.eds_config: must be ads or self");
        }

        if (cluster.TransportSocket is not null)
        {
            Unsupported("transport_socket", "TLS to upstreams from xDS is not supported by Mesh.Client yet");
        }

        if (cluster.LoadBalancingPolicy is not null)
        {
            Unsupported("load_balancing_policy", "Mesh reads lb_policy");
        }

        if (cluster.LrsServer is not null)
        {
            Unsupported("lrs_server", "load reporting is not supported by Mesh.Client");
        }

        string? simple = null;
        var ringHash = false;
        switch (cluster.LbPolicy)
        {
            case Envoy.Config.Cluster.V3.Cluster.Types.LbPolicy.RoundRobin:
                break;
            case Envoy.Config.Cluster.V3.Cluster.Types.LbPolicy.LeastRequest:
                simple = "LEAST_REQUEST";
                break;
            case Envoy.Config.Cluster.V3.Cluster.Types.LbPolicy.Random:
                simple = "RANDOM";
                break;
            case Envoy.Config.Cluster.V3.Cluster.Types.LbPolicy.RingHash:
                ringHash = true;
                break;
            default:
                Unsupported($"lb_policy {cluster.LbPolicy}");
                break;
        }

        long? minRing = null;
        if (cluster.RingHashLbConfig is { } ring)
        {
            if (ring.HashFunction != Envoy.Config.Cluster.V3.Cluster.Types.RingHashLbConfig.Types.HashFunction.XxHash)
            {
                Unsupported("ring_hash_lb_config.hash_function", "Mesh hashes with xxHash only");
            }

            if (ring.MaximumRingSize is not null)
            {
                Unsupported("ring_hash_lb_config.maximum_ring_size");
            }

            minRing = (long?)ring.MinimumRingSize;
        }

        HttpSettings? http = null;
        var tcp = cluster.ConnectTimeout is { } connect ? new TcpSettings { ConnectTimeout = connect.ToTimeSpan() } : null;
        if (cluster.CircuitBreakers is { } breakers)
        {
            for (var i = 0; i < breakers.Thresholds.Count; i++)
            {
                var threshold = breakers.Thresholds[i];
                if (threshold.Priority != RoutingPriority.Default)
                {
                    Unsupported($"circuit_breakers.thresholds[{i}].priority {threshold.Priority}", "Mesh has one priority (DEFAULT)");
                    continue;
                }

                http = new HttpSettings
                {
                    Http2MaxRequests = (int?)threshold.MaxRequests,
                    Http1MaxPendingRequests = (int?)threshold.MaxPendingRequests,
                    MaxRetries = (int?)threshold.MaxRetries,
                };
                if (threshold.MaxConnections is { } maxConnections)
                {
                    tcp = (tcp ?? new TcpSettings()) with { MaxConnections = (int)maxConnections };
                }
            }
        }

        IstioOutlierDetection? outlier = null;
        if (cluster.OutlierDetection is { } od)
        {
            // gRFC A50: success-rate ejection is on unless enforcing_success_rate is 0; Mesh implements consecutive errors only.
            if (od.EnforcingSuccessRate is not 0)
            {
                Unsupported("outlier_detection.enforcing_success_rate", "success-rate ejection is not implemented by Mesh (it is on unless this is 0)");
            }

            if (od.EnforcingFailurePercentage is not (null or 0))
            {
                Unsupported("outlier_detection.enforcing_failure_percentage", "failure-percentage ejection is not implemented by Mesh");
            }

            if (od.EnforcingConsecutive5Xx is not (null or 100) || od.EnforcingConsecutiveGatewayFailure is not (null or 0 or 100))
            {
                Unsupported("outlier_detection.enforcing_consecutive_5xx", "Mesh enforces every ejection (100)");
            }

            if (od.MaxEjectionTime is not null)
            {
                Unsupported("outlier_detection.max_ejection_time");
            }

            outlier = new IstioOutlierDetection
            {
                Consecutive5xxErrors = (int?)od.Consecutive5Xx ?? 0,
                ConsecutiveGatewayErrors = (int?)od.ConsecutiveGatewayFailure,
                Interval = od.Interval?.ToTimeSpan(),
                BaseEjectionTime = od.BaseEjectionTime?.ToTimeSpan(),
                MaxEjectionPercent = (int?)od.MaxEjectionPercent,
            };
        }

        var policy = new TrafficPolicy
        {
            LoadBalancer = simple is not null ? new LoadBalancerSettings { Simple = simple } : ringHash ? new LoadBalancerSettings { ConsistentHash = new ConsistentHashLB { MinimumRingSize = minRing } } : null,
            ConnectionPool = http is null && tcp is null ? null : new ConnectionPoolSettings { Http = http, Tcp = tcp },
            OutlierDetection = outlier,
        };
        var edsName = cluster.EdsClusterConfig?.ServiceName is { Length: > 0 } service ? service : cluster.Name;
        return errors.Count > before ? null : new XdsCluster(edsName, policy, ringHash);
    }

    private XdsEndpoints? Endpoints(ClusterLoadAssignment assignment)
    {
        var before = errors.Count;
        XdsFieldCheck.Check(ClusterLoadAssignment.Descriptor, assignment.ToByteString(), "", errors);
        if (assignment.Policy is { DropOverloads.Count: > 0 })
        {
            Unsupported("policy.drop_overloads");
        }

        var seen = new HashSet<(string, int)>();
        var localities = new HashSet<string>(StringComparer.Ordinal);
        var endpoints = new List<EndpointConfig>();
        for (var l = 0; l < assignment.Endpoints.Count; l++)
        {
            var group = assignment.Endpoints[l];
            var at = $"endpoints[{l}]";
            if (group.Priority != 0)
            {
                Unsupported($"{at}.priority {group.Priority}", "Mesh has no priorities (all endpoints are priority 0)");
            }

            if (group.Locality is null)
            {
                errors.Add($"{at}.locality: missing");
            }

            var locality = group.Locality is { } loc ? string.Join('/', new[] { loc.Region, loc.Zone, loc.SubZone }).TrimEnd('/') : "";
            if (!localities.Add(locality))
            {
                errors.Add($"{at}.locality: '{locality}' appears twice");
            }

            // The weight of a locality must be what its endpoints add up to: Mesh balances over endpoints, not localities.
            long sum = 0;
            var groupEndpoints = new List<EndpointConfig>();
            for (var e = 0; e < group.LbEndpoints.Count; e++)
            {
                var lb = group.LbEndpoints[e];
                var ea = $"{at}.lb_endpoints[{e}]";
                if (lb.Endpoint?.Address?.SocketAddress is not { } socket)
                {
                    errors.Add($"{ea}.endpoint.address.socket_address: missing");
                    continue;
                }

                if (lb.Endpoint.AdditionalAddresses.Count > 0)
                {
                    Unsupported($"{ea}.endpoint.additional_addresses");
                }

                if (socket.PortSpecifierCase != Envoy.Config.Core.V3.SocketAddress.PortSpecifierOneofCase.PortValue || socket.PortValue is 0 or > 65535)
                {
                    errors.Add($"{ea}.endpoint.address.socket_address.port_value: missing or not a port");
                    continue;
                }

                if (!IPAddress.TryParse(socket.Address, out _))
                {
                    errors.Add($"{ea}.endpoint.address.socket_address.address: '{socket.Address}' is not an IP address");
                    continue;
                }

                var port = (int)socket.PortValue;
                if (!seen.Add((socket.Address, port)))
                {
                    errors.Add($"{ea}: {socket.Address}:{port} appears twice");
                    continue;
                }

                var weight = (int)Math.Min(lb.LoadBalancingWeight ?? 1, int.MaxValue);
                sum += weight;
                var health = lb.HealthStatus is HealthStatus.Unknown or HealthStatus.Healthy ? EndpointHealth.Healthy : EndpointHealth.Unhealthy;
                var id = lb.Endpoint.Hostname is { Length: > 0 } hostname ? hostname : $"{socket.Address}:{port}";
                groupEndpoints.Add(new EndpointConfig(id, socket.Address, port, health, weight, locality.Length > 0 ? locality : null));
            }

            if (group.LoadBalancingWeight is not { } localityWeight || localityWeight == 0)
            {
                continue; // gRPC drops a locality without weight; so does Mesh
            }

            if (assignment.Endpoints.Count > 1 && localityWeight != sum)
            {
                Unsupported($"{at}.load_balancing_weight {localityWeight}", $"differs from the sum of its endpoints' weights ({sum}); locality-weighted balancing is not implemented by Mesh");
            }

            endpoints.AddRange(groupEndpoints);
        }

        var ordered = endpoints.OrderBy(e => e.Address, StringComparer.Ordinal).ThenBy(e => e.Port);
        return errors.Count > before ? null : new XdsEndpoints(new ValueList<EndpointConfig>(ordered));
    }
}
