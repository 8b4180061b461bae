using System.Diagnostics;

namespace Mesh.Telemetry;

/// <summary>The header names a <see cref="DistributedContextPropagator"/> writes (<c>traceparent</c>, <c>tracestate</c>, <c>baggage</c>...), as an array.</summary>
internal sealed record PropagatorFields(DistributedContextPropagator Propagator, string[] Fields);
