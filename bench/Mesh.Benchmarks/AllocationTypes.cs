using System.Diagnostics.Tracing;
using System.Globalization;

namespace Mesh.Benchmarks;

/// <summary>
/// Where a client's allocations go, by type, cheaply: the runtime's <c>GCAllocationTick</c> event (one per
/// about 100 kB allocated, naming the type of the object that crossed the mark) read in process. Each tick's
/// amount is charged to its type, so a type's share is an estimate (±10% or so for the large ones over a
/// 5 s load); async state machine boxes name their method. For <c>loopback-client --alloc-types N</c>.
/// </summary>
internal sealed class AllocationTypes : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _recording;

    public void Start()
    {
        lock (_lock)
        {
            _bytes.Clear();
            _recording = true;
        }
    }

    /// <summary>Stops recording and prints the <paramref name="top"/> types by estimated bytes per call.</summary>
    public void Print(string load, long calls, int top)
    {
        lock (_lock)
        {
            _recording = false;
            var total = _bytes.Values.Sum();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocation by type, {load} (GCAllocationTick estimate: {(double)total / calls:N0} B/call in all):"));
            foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(top))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(double)bytes / calls,7:N0} B/call  {type}"));
            }
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!eventData.EventName!.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }

        var type = eventData.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var amount = eventData.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(eventData.Payload[a], CultureInfo.InvariantCulture) : 0;
        lock (_lock)
        {
            if (_recording)
            {
                _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
            }
        }
    }
}
