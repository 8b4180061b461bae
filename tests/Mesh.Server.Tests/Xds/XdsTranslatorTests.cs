using System.Collections.Frozen;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Http.Fault.V3;
using Envoy.Extensions.Filters.Http.Router.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Envoy.Type.Matcher.V3;
using Envoy.Type.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Server.Xds;
using Mesh.Snapshot;
using CommonFaultDelay = Envoy.Extensions.Filters.Common.Fault.V3.FaultDelay;
using XdsFaultAbort = Envoy.Extensions.Filters.Http.Fault.V3.FaultAbort;
using XdsOutlierDetection = Envoy.Config.Cluster.V3.OutlierDetection;
using XdsRetryPolicy = Envoy.Config.Route.V3.RetryPolicy;
using XdsRouteMatch = Envoy.Config.Route.V3.RouteMatch;

namespace Mesh.Server.Tests.Xds;

/// <summary>MeshSnapshot → xDS: the exact resources, and what is left out and reported.</summary>
public sealed class XdsTranslatorTests
{
    private const string Route = "outbound|50051||echo.default.svc.cluster.local";

    private const string Subsets = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: echo
        spec:
          host: echo
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
        ---

        """;

    private static readonly ServiceKey Echo = new("echo", "default");

    [Fact]
    public void Listener_IsAnApiListenerWithRdsOverAds_FaultFilterThenRouter()
    {
        var translator = Translate("");

        var listener = translator.Listener("echo:50051");

        var manager = new HttpConnectionManager
        {
            Rds = new Rds { ConfigSource = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 }, RouteConfigName = Route },
        };
        manager.HttpFilters.Add(new HttpFilter { Name = "envoy.filters.http.fault", TypedConfig = Any.Pack(new HTTPFault()) });
        manager.HttpFilters.Add(new HttpFilter { Name = "envoy.filters.http.router", TypedConfig = Any.Pack(new Router()) });
        Assert.Equal(new Listener { Name = "echo:50051", ApiListener = new ApiListener { ApiListener_ = Any.Pack(manager) } }, listener);
    }

    [Theory]
    [InlineData("echo:50051", Route)]
    [InlineData("echo.default.svc.cluster.local:50051", Route)]
    [InlineData("echo.default:8080", "outbound|8080||echo.default.svc.cluster.local")]
    [InlineData("echo", "outbound|||echo.default.svc.cluster.local")]
    public void Listener_NameIsTheTargetAsRequested_ShortNamesExpanded(string name, string routeConfig)
    {
        var listener = Translate("").Listener(name)!;

        Assert.Equal(name, listener.Name);
        Assert.Equal(routeConfig, listener.ApiListener.ApiListener_.Unpack<HttpConnectionManager>().Rds.RouteConfigName);
    }

    [Theory]
    [InlineData("nosuch:50051")]
    [InlineData("echo:notaport")]
    [InlineData("echo:0")]
    [InlineData("xdstp://authority/envoy.config.listener.v3.Listener/echo")]
    public void Listener_UnknownOrMalformedName_IsNull(string name) => Assert.Null(Translate("").Listener(name));

    [Fact]
    public void RouteConfiguration_WeightedVirtualService_ExactResource()
    {
        var translator = Translate(Subsets + """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: echo
            spec:
              hosts:
              - echo
              http:
              - route:
                - destination:
                    host: echo
                    subset: v1
                  weight: 80
                - destination:
                    host: echo
                    subset: v2
                  weight: 20
            """);

        var config = translator.RouteConfiguration(Route);

        var weighted = new WeightedCluster();
        weighted.Clusters.Add(new WeightedCluster.Types.ClusterWeight { Name = "outbound|50051|v1|echo.default.svc.cluster.local", Weight = 80 });
        weighted.Clusters.Add(new WeightedCluster.Types.ClusterWeight { Name = "outbound|50051|v2|echo.default.svc.cluster.local", Weight = 20 });
        var host = new VirtualHost { Name = "echo.default.svc.cluster.local:50051" };
        host.Domains.Add(["echo", "echo:50051", "echo.default", "echo.default:50051", "echo.default.svc", "echo.default.svc:50051", "echo.default.svc.cluster.local", "echo.default.svc.cluster.local:50051"]);
        host.Routes.Add(new Envoy.Config.Route.V3.Route
        {
            Name = "echo.http[0]",
            Match = new XdsRouteMatch { Prefix = "/" },
            Route_ = new RouteAction
            {
                WeightedClusters = weighted,
                RetryPolicy = new XdsRetryPolicy { RetryOn = "unavailable,cancelled", NumRetries = 2 }, // Istio's default, as gRPC reads it
            },
        });
        var expected = new RouteConfiguration { Name = Route };
        expected.VirtualHosts.Add(host);
        Assert.Equal(expected, config);
        Assert.Empty(translator.Notes);
    }

    [Fact]
    public void RouteConfiguration_HeaderAndUriMatches_BecomeRouteMatches()
    {
        var config = Translate(Subsets + """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: echo
            spec:
              hosts:
              - echo
              http:
              - name: jason
                match:
                - headers:
                    end-user:
                      exact: jason
                    x-tier:
                      prefix: gold
                  withoutHeaders:
                    x-test:
                      regex: "yes|true"
                  uri:
                    prefix: /mesh.test.Echo/
                  ignoreUriCase: true
                - uri:
                    exact: /mesh.test.Echo/Say
                route:
                - destination:
                    host: echo
                    subset: v2
              - route:
                - destination:
                    host: echo
                    subset: v1
            """).RouteConfiguration(Route)!;

        var routes = config.VirtualHosts[0].Routes;
        Assert.Equal(3, routes.Count); // one route per match block, then the catch-all

        var first = new XdsRouteMatch { Prefix = "/mesh.test.Echo/", CaseSensitive = false };
        first.Headers.Add(new HeaderMatcher { Name = "end-user", StringMatch = new StringMatcher { Exact = "jason" } });
        first.Headers.Add(new HeaderMatcher { Name = "x-tier", StringMatch = new StringMatcher { Prefix = "gold" } });
        first.Headers.Add(new HeaderMatcher { Name = "x-test", StringMatch = new StringMatcher { SafeRegex = new RegexMatcher { Regex = "yes|true" } }, InvertMatch = true });
        Assert.Equal(first, routes[0].Match);
        Assert.Equal(new XdsRouteMatch { Path = "/mesh.test.Echo/Say" }, routes[1].Match);
        Assert.Equal("outbound|50051|v2|echo.default.svc.cluster.local", routes[0].Route_.Cluster);
        Assert.Equal("jason", routes[0].Name);
        Assert.Equal(new XdsRouteMatch { Prefix = "/" }, routes[2].Match);
        Assert.Equal("outbound|50051|v1|echo.default.svc.cluster.local", routes[2].Route_.Cluster);
    }

    [Fact]
    public void RouteConfiguration_Timeout_IsMaxStreamDuration()
    {
        var action = SingleRoute("    timeout: 2.5s\n").Route_;

        Assert.Equal(
            new RouteAction.Types.MaxStreamDuration { MaxStreamDuration_ = Duration.FromTimeSpan(TimeSpan.FromSeconds(2.5)), GrpcTimeoutHeaderMax = Duration.FromTimeSpan(TimeSpan.FromSeconds(2.5)) },
            action.MaxStreamDuration);
        Assert.Null(action.Timeout); // gRPC ignores RouteAction.timeout (gRFC A31)
    }

    [Fact]
    public void RouteConfiguration_Retries_KeepOnlyGrpcConditions_PerA44_AndReportTheRest()
    {
        var translator = Translate(Subsets + VirtualServiceWith("    retries:\n      attempts: 3\n      perTryTimeout: 1s\n      retryOn: 5xx,unavailable,cancelled,connect-failure\n"));

        var action = translator.RouteConfiguration(Route)!.VirtualHosts[0].Routes[0].Route_;

        Assert.Equal(new XdsRetryPolicy { RetryOn = "unavailable,cancelled", NumRetries = 3 }, action.RetryPolicy);
        Assert.Contains(translator.Notes, n => n.Contains("perTryTimeout", StringComparison.Ordinal) && n.Contains("VirtualService echo (test.yaml", StringComparison.Ordinal));
        Assert.Contains(translator.Notes, n => n.Contains("'5xx,connect-failure'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("    retries:\n      attempts: 0\n")]
    [InlineData("    retries:\n      attempts: 2\n      retryOn: 5xx,gateway-error\n")]
    public void RouteConfiguration_NoRetriesOrNoGrpcCondition_HasNoRetryPolicy(string retries) =>
        Assert.Null(SingleRoute(retries).Route_.RetryPolicy);

    [Fact]
    public void RouteConfiguration_Fault_IsTheFaultFiltersPerRouteConfig()
    {
        var route = SingleRoute("    fault:\n      delay:\n        percentage:\n          value: 50\n        fixedDelay: 5s\n      abort:\n        percentage:\n          value: 12.5\n        grpcStatus: UNAVAILABLE\n");

        var expected = new HTTPFault
        {
            Delay = new CommonFaultDelay { FixedDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)), Percentage = new FractionalPercent { Numerator = 500_000, Denominator = FractionalPercent.Types.DenominatorType.Million } },
            Abort = new XdsFaultAbort { GrpcStatus = 14, Percentage = new FractionalPercent { Numerator = 125_000, Denominator = FractionalPercent.Types.DenominatorType.Million } },
        };
        Assert.Equal(expected, route.TypedPerFilterConfig["envoy.filters.http.fault"].Unpack<HTTPFault>());
    }

    [Fact]
    public void RouteConfiguration_UnsupportedFeatures_AreLeftOutAndReported()
    {
        var translator = Translate(Subsets + """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: echo
            spec:
              hosts:
              - echo
              http:
              - match:
                - queryParams:
                    debug:
                      exact: "1"
                route:
                - destination:
                    host: echo
                    subset: v2
              - rewrite:
                  uri: /other
                headers:
                  request:
                    set:
                      x-from: mesh
                route:
                - destination:
                    host: echo
                    subset: v1
            """);

        var routes = translator.RouteConfiguration(Route)!.VirtualHosts[0].Routes;

        // The query-parameter route is gone (gRPC never matches it); the rewrite and header operations are not sent.
        var route = Assert.Single(routes);
        Assert.Equal("outbound|50051|v1|echo.default.svc.cluster.local", route.Route_.Cluster);
        Assert.Empty(route.Route_.PrefixRewrite);
        Assert.Empty(route.Route_.RequestMirrorPolicies);
        Assert.Contains(translator.Notes, n => n.Contains("queryParams", StringComparison.Ordinal));
        Assert.Contains(translator.Notes, n => n.Contains("rewrite", StringComparison.Ordinal));
        Assert.Contains(translator.Notes, n => n.Contains("header operations", StringComparison.Ordinal));
    }

    [Fact]
    public void Cluster_DestinationRule_LoadBalancerCircuitBreakerOutlierDetection()
    {
        var translator = Translate("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: echo
            spec:
              host: echo
              trafficPolicy:
                connectionPool:
                  http:
                    http2MaxRequests: 100
                    maxRetries: 3
                outlierDetection:
                  consecutive5xxErrors: 5
                  interval: 10s
                  baseEjectionTime: 30s
                  maxEjectionPercent: 50
              subsets:
              - name: v1
                labels:
                  version: v1
                trafficPolicy:
                  loadBalancer:
                    simple: LEAST_REQUEST
              - name: v2
                labels:
                  version: v2
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpHeaderName: x-user
                      minimumRingSize: 2048
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: echo
            spec:
              hosts:
              - echo
              http:
              - match:
                - headers:
                    x-user:
                      prefix: a
                route:
                - destination:
                    host: echo
                    subset: v2
              - route:
                - destination:
                    host: echo
                    subset: v1
            """);

        var v1 = translator.Cluster("outbound|50051|v1|echo.default.svc.cluster.local")!;
        var v2 = translator.Cluster("outbound|50051|v2|echo.default.svc.cluster.local")!;
        var routes = translator.RouteConfiguration(Route)!.VirtualHosts[0].Routes;

        var breakers = new CircuitBreakers();
        breakers.Thresholds.Add(new CircuitBreakers.Types.Thresholds { Priority = RoutingPriority.Default, MaxRequests = 100 });
        var expected = new Cluster
        {
            Name = "outbound|50051|v1|echo.default.svc.cluster.local",
            Type = Cluster.Types.DiscoveryType.Eds,
            EdsClusterConfig = new Cluster.Types.EdsClusterConfig
            {
                EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
                ServiceName = "outbound|50051|v1|echo.default.svc.cluster.local",
            },
            LbPolicy = Cluster.Types.LbPolicy.RoundRobin,
            CircuitBreakers = breakers,
            OutlierDetection = new XdsOutlierDetection
            {
                Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
                BaseEjectionTime = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
                MaxEjectionPercent = 50,
                EnforcingSuccessRate = 0, // explicit: absent means 100, which would turn success-rate ejection on
                EnforcingFailurePercentage = 0,
            },
        };
        Assert.Equal(expected, v1);
        Assert.NotNull(v1.OutlierDetection.EnforcingSuccessRate);
        Assert.Null(v1.OutlierDetection.Consecutive5Xx);

        Assert.Equal(Cluster.Types.LbPolicy.RingHash, v2.LbPolicy);
        Assert.Equal(new Cluster.Types.RingHashLbConfig { MinimumRingSize = 2048, HashFunction = Cluster.Types.RingHashLbConfig.Types.HashFunction.XxHash }, v2.RingHashLbConfig);
        Assert.Equal("x-user", Assert.Single(routes[0].Route_.HashPolicy).Header.HeaderName);
        Assert.Empty(routes[1].Route_.HashPolicy);

        Assert.Contains(translator.Notes, n => n.Contains("LEAST_REQUEST", StringComparison.Ordinal) && n.Contains("sent as ROUND_ROBIN", StringComparison.Ordinal));
        Assert.Contains(translator.Notes, n => n.Contains("consecutive5xxErrors", StringComparison.Ordinal));
        Assert.Contains(translator.Notes, n => n.Contains("http.maxRetries", StringComparison.Ordinal));
    }

    [Fact]
    public void ClusterLoadAssignment_LocalitiesWithWeightAndLocality_IpLiteralsOnly()
    {
        var instances = new[]
        {
            Instance("10.0.0.2", 8080, "v1"),
            Instance("10.0.0.1", 8080, "v1"),
            Instance("10.0.0.3", 8080, "v1", healthy: false),
            Instance("echo-1.internal", 8080, "v1"),
            Instance("unresolvable.invalid", 8080, "v1"),
            Instance("2001:db8::1", 9090, "v1"),
        };
        var resolved = new Dictionary<string, IReadOnlyList<string>> { ["echo-1.internal"] = ["10.0.0.1", "10.0.0.9"] };
        var translator = Translate(Subsets, instances, resolved: resolved);

        var assignment = translator.ClusterLoadAssignment("outbound|50051||echo.default.svc.cluster.local")!;

        var group = Assert.Single(assignment.Endpoints);
        Assert.Equal(new Locality(), group.Locality); // present, though empty: grpc-js NACKs a missing one
        Assert.NotNull(group.Locality);
        Assert.Equal(4u, group.LoadBalancingWeight);
        Assert.Equal(0u, group.Priority);
        Assert.Equal(
            ["10.0.0.1:8080", "10.0.0.2:8080", "2001:db8::1:9090", "10.0.0.9:8080"],
            group.LbEndpoints.Select(e => $"{e.Endpoint.Address.SocketAddress.Address}:{e.Endpoint.Address.SocketAddress.PortValue}"));
        Assert.All(group.LbEndpoints, e => Assert.Equal(HealthStatus.Healthy, e.HealthStatus));
        Assert.All(group.LbEndpoints, e => Assert.Equal(1u, e.LoadBalancingWeight));
        Assert.Contains(translator.Notes, n => n.Contains("unresolvable.invalid", StringComparison.Ordinal));
    }

    [Fact]
    public void ClusterLoadAssignment_GroupsByLocality_WeightIsTheSumOfEndpointWeights()
    {
        var endpoints = new EndpointConfig[]
        {
            new("a", "10.0.0.1", 80, EndpointHealth.Healthy, 2, "us-east/us-east-1a/rack1"),
            new("b", "10.0.0.2", 80, EndpointHealth.Healthy, 3, "us-east/us-east-1a/rack1"),
            new("c", "10.0.0.3", 80, EndpointHealth.Healthy, 1, "us-west"),
        };
        var cluster = new ClusterConfig("outbound|||echo.default.svc.cluster.local", Echo, null, null, new TrafficPolicy(), new Mesh.Configuration.Internal.ValueList<EndpointConfig>(endpoints));
        var snapshot = new MeshSnapshot(
            1,
            MeshIdentity.Anonymous(),
            [],
            new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>(),
            FrozenDictionary<ServiceKey, VirtualHostConfig>.Empty,
            new Dictionary<string, ClusterConfig> { [cluster.Name] = cluster }.ToFrozenDictionary(StringComparer.Ordinal));

        var assignment = new XdsTranslator(snapshot).ClusterLoadAssignment("outbound|50051||echo.default.svc.cluster.local")!;

        Assert.Equal(2, assignment.Endpoints.Count);
        Assert.Equal(new Locality { Region = "us-east", Zone = "us-east-1a", SubZone = "rack1" }, assignment.Endpoints[0].Locality);
        Assert.Equal(5u, assignment.Endpoints[0].LoadBalancingWeight);
        Assert.Equal([2u, 3u], assignment.Endpoints[0].LbEndpoints.Select(e => (uint)e.LoadBalancingWeight!));
        Assert.Equal(new Locality { Region = "us-west" }, assignment.Endpoints[1].Locality);
        Assert.Equal(1u, assignment.Endpoints[1].LoadBalancingWeight);
    }

    [Fact]
    public void Compile_PerCallerIdentity_SourceLabelsDecideTheRoutes()
    {
        const string yaml = Subsets + """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: echo
            spec:
              hosts:
              - echo
              http:
              - match:
                - sourceLabels:
                    app: canary-client
                route:
                - destination:
                    host: echo
                    subset: v2
              - route:
                - destination:
                    host: echo
                    subset: v1
            """;
        var canary = new MeshIdentity("canary-client", "default", new Dictionary<string, string> { ["app"] = "canary-client" }, "10.0.0.9");

        var forCanary = Translate(yaml, identity: canary).RouteConfiguration(Route)!.VirtualHosts[0].Routes;
        var forOthers = Translate(yaml).RouteConfiguration(Route)!.VirtualHosts[0].Routes;

        Assert.Equal("outbound|50051|v2|echo.default.svc.cluster.local", forCanary[0].Route_.Cluster);
        Assert.Equal("outbound|50051|v1|echo.default.svc.cluster.local", Assert.Single(forOthers).Route_.Cluster);
    }

    [Fact]
    public void Translate_IsDeterministic_SameSnapshotSameBytes()
    {
        var yaml = Subsets + VirtualServiceWith("    timeout: 1s\n");
        var a = new XdsView(Translate(yaml).Snapshot, new Dictionary<string, IReadOnlyList<string>>());
        var b = new XdsView(Translate(yaml).Snapshot, new Dictionary<string, IReadOnlyList<string>>());

        foreach (var (type, name) in new[] { (XdsTypes.Listener, "echo:50051"), (XdsTypes.RouteConfiguration, Route), (XdsTypes.Cluster, "outbound|50051|v1|echo.default.svc.cluster.local") })
        {
            Assert.Equal(a.Get(type, name)!.Resource.Value, b.Get(type, name)!.Resource.Value);
            Assert.Equal(a.Get(type, name)!.Hash, b.Get(type, name)!.Hash);
        }
    }

    [Fact]
    public void NamedPorts_GrpcPortListener_RoutesToThatPortsClusters_EndpointsAtEachInstancesTargetPort()
    {
        // Bookinfo's ratings: http 9080 on the instance's main port, grpc-ratings 9090 on a port of its own per instance.
        var translator = Translate(string.Empty, RatingsInstances());

        var routeName = translator.Listener("ratings:9090")!.ApiListener.ApiListener_.Unpack<HttpConnectionManager>().Rds.RouteConfigName;
        var grpcRoute = Assert.Single(translator.RouteConfiguration(routeName)!.VirtualHosts[0].Routes);
        var httpRoute = Assert.Single(translator.RouteConfiguration("outbound|9080||ratings.default.svc.cluster.local")!.VirtualHosts[0].Routes);

        Assert.Equal("outbound|9090||ratings.default.svc.cluster.local", routeName);
        Assert.Equal("outbound|9090||ratings.default.svc.cluster.local", grpcRoute.Route_.Cluster);
        Assert.Equal("outbound|9080||ratings.default.svc.cluster.local", httpRoute.Route_.Cluster);
        Assert.Equal(["10.0.0.1:7101", "10.0.0.2:7102"], Endpoints(translator.ClusterLoadAssignment("outbound|9090||ratings.default.svc.cluster.local")!));
        Assert.Equal(["10.0.0.1:7001", "10.0.0.2:7002"], Endpoints(translator.ClusterLoadAssignment("outbound|9080||ratings.default.svc.cluster.local")!));
        Assert.Equal("outbound|9090||ratings.default.svc.cluster.local", translator.Cluster("outbound|9090||ratings.default.svc.cluster.local")!.EdsClusterConfig.ServiceName);
    }

    [Fact]
    public void NamedPorts_VirtualServiceSubsetWithoutPort_TakesTheSubsetClusterOfTheListenersNamedPort()
    {
        var translator = Translate(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: ratings
            spec:
              host: ratings
              subsets:
              - name: v1
                labels:
                  version: v1
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ratings
            spec:
              hosts:
              - ratings
              http:
              - route:
                - destination:
                    host: ratings
                    subset: v1
            """,
            RatingsInstances());

        var grpc = Assert.Single(translator.RouteConfiguration("outbound|9090||ratings.default.svc.cluster.local")!.VirtualHosts[0].Routes).Route_.Cluster;
        var http = Assert.Single(translator.RouteConfiguration("outbound|9080||ratings.default.svc.cluster.local")!.VirtualHosts[0].Routes).Route_.Cluster;

        Assert.Equal("outbound|9090|v1|ratings.default.svc.cluster.local", grpc);
        Assert.Equal("outbound|9080|v1|ratings.default.svc.cluster.local", http);
        Assert.Equal(["10.0.0.1:7101"], Endpoints(translator.ClusterLoadAssignment(grpc)!));
        Assert.Equal(["10.0.0.1:7001"], Endpoints(translator.ClusterLoadAssignment(http)!));
    }

    [Fact]
    public void Cluster_AutoMtls_IstioMutualAsIstiodSendsIt_CertificateProvidersAndSpiffeSans()
    {
        var instances = new[] { Instance("10.0.0.1", 8080, "v1"), Instance("10.0.0.2", 8080, "v2") }
            .Select(i => i with { Labels = new Dictionary<string, string>(i.Labels) { ["security.istio.io/tlsMode"] = "istio" }, ServiceAccount = "echo-sa" });
        var translator = Translate(Subsets, instances);

        var cluster = translator.Cluster("outbound|50051||echo.default.svc.cluster.local")!;

        Assert.Equal("envoy.transport_sockets.tls", cluster.TransportSocket.Name);
        var context = cluster.TransportSocket.TypedConfig.Unpack<Envoy.Extensions.TransportSockets.Tls.V3.UpstreamTlsContext>().CommonTlsContext;
        Assert.Equal(new Envoy.Extensions.TransportSockets.Tls.V3.CertificateProviderPluginInstance { InstanceName = "default", CertificateName = "default" }, context.TlsCertificateProviderInstance);
        Assert.Equal("default", context.TlsCertificateCertificateProviderInstance.InstanceName);
        var validation = context.CombinedValidationContext.DefaultValidationContext;
        Assert.Equal(new Envoy.Extensions.TransportSockets.Tls.V3.CertificateProviderPluginInstance { InstanceName = "default", CertificateName = "ROOTCA" }, validation.CaCertificateProviderInstance);
        Assert.Equal("ROOTCA", context.CombinedValidationContext.ValidationContextCertificateProviderInstance.CertificateName);
        Assert.Equal([new StringMatcher { Exact = "spiffe://cluster.local/ns/default/sa/echo-sa" }], validation.MatchSubjectAltNames);
    }

    [Fact]
    public void Cluster_SimpleTls_NotSent_Reported()
    {
        var translator = Translate(Subsets.Replace("  host: echo\n", "  host: echo\n  trafficPolicy:\n    tls:\n      mode: SIMPLE\n", StringComparison.Ordinal));

        var cluster = translator.Cluster("outbound|50051||echo.default.svc.cluster.local")!;

        Assert.Null(cluster.TransportSocket);
        Assert.Contains(translator.Notes, n => n.Contains("tls mode SIMPLE is not sent", StringComparison.Ordinal));
        Assert.Null(Translate(Subsets).Cluster("outbound|50051||echo.default.svc.cluster.local")!.TransportSocket); // plaintext stays plaintext
    }

    private static ServiceInstance[] RatingsInstances()
    {
        var ratings = new ServiceKey("ratings", "default");
        ServiceInstance Instance(string address, int port, int grpcPort, string version) => new(
            ratings,
            $"ratings-{version}",
            address,
            port,
            new Dictionary<string, string> { ["version"] = version },
            Ports: new Mesh.Configuration.Internal.ValueList<InstancePort>([new InstancePort("grpc-ratings", 9090, grpcPort)]));
        return [Instance("10.0.0.1", 7001, 7101, "v1"), Instance("10.0.0.2", 7002, 7102, "v2")];
    }

    private static string[] Endpoints(ClusterLoadAssignment assignment) =>
        [.. assignment.Endpoints.SelectMany(g => g.LbEndpoints).Select(e => $"{e.Endpoint.Address.SocketAddress.Address}:{e.Endpoint.Address.SocketAddress.PortValue}")];

    private static Envoy.Config.Route.V3.Route SingleRoute(string routeFields) =>
        Translate(Subsets + VirtualServiceWith(routeFields)).RouteConfiguration(Route)!.VirtualHosts[0].Routes.Single();

    private static string VirtualServiceWith(string routeFields) => """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: echo
        spec:
          hosts:
          - echo
          http:
          - route:
            - destination:
                host: echo
                subset: v1

        """ + routeFields;

    private static ServiceInstance Instance(string address, int port, string version, bool healthy = true) =>
        new(Echo, $"{address}:{port}", address, port, new Dictionary<string, string> { ["version"] = version }, healthy);

    private static XdsTranslator Translate(string yaml, IEnumerable<ServiceInstance>? instances = null, MeshIdentity? identity = null, IReadOnlyDictionary<string, IReadOnlyList<string>>? resolved = null)
    {
        var parsed = MeshDocumentParser.Parse(yaml, "test.yaml");
        Assert.Empty(parsed.Errors);
        var byService = (instances ?? [Instance("127.0.0.1", 7001, "v1"), Instance("127.0.0.1", 7002, "v2")])
            .GroupBy(i => i.Service)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<ServiceInstance>)[.. g]);
        var snapshot = new MeshSnapshotCompiler(identity ?? MeshIdentity.Anonymous()).Compile(1, parsed.Documents, byService);
        return new XdsTranslator(snapshot, resolved);
    }
}
