using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Mesh.Registry.Xds;

/// <summary>
/// Finds the fields of a received resource that Mesh's trimmed protos do not declare. Google.Protobuf keeps such
/// fields silently as unknown fields; Mesh refuses them instead (an unsupported field is an error naming it), so the
/// resource's bytes are walked against the descriptors, into nested messages and into <c>Any</c> values of known types.
/// </summary>
internal static class XdsFieldCheck
{
    private const int MaxDepth = 64;

    private static readonly TypeRegistry Known = TypeRegistry.FromMessages(
        Envoy.Config.Listener.V3.Listener.Descriptor,
        Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManager.Descriptor,
        Envoy.Config.Route.V3.RouteConfiguration.Descriptor,
        Envoy.Config.Route.V3.FilterConfig.Descriptor,
        Envoy.Config.Cluster.V3.Cluster.Descriptor,
        Envoy.Config.Endpoint.V3.ClusterLoadAssignment.Descriptor,
        Envoy.Extensions.Filters.Http.Fault.V3.HTTPFault.Descriptor,
        Envoy.Extensions.Filters.Http.Router.V3.Router.Descriptor);

    /// <summary>Adds to <paramref name="errors"/> one line per undeclared field: its path and number.</summary>
    public static void Check(MessageDescriptor descriptor, ByteString bytes, string path, List<string> errors) =>
        Walk(descriptor, bytes, path, errors, 0);

    private static void Walk(MessageDescriptor descriptor, ByteString bytes, string path, List<string> errors, int depth)
    {
        if (depth > MaxDepth)
        {
            errors.Add($"{path}: nested deeper than {MaxDepth} messages");
            return;
        }

        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            var field = descriptor.FindFieldByNumber(number);
            var at = path.Length == 0 ? field?.Name : $"{path}.{field?.Name}";
            if (field is null)
            {
                errors.Add($"{(path.Length == 0 ? descriptor.FullName : path)}: field {number} of {descriptor.FullName} is not supported by Mesh");
                input.SkipLastField();
                continue;
            }

            if (field.FieldType != FieldType.Message || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                input.SkipLastField();
                continue;
            }

            var value = input.ReadBytes();
            if (descriptor.FullName == Any.Descriptor.FullName)
            {
                // Any's own fields are scalar; handled below.
                continue;
            }

            if (field.MessageType.FullName == Any.Descriptor.FullName)
            {
                WalkAny(value, at!, errors, depth);
            }
            else if (field.IsMap)
            {
                WalkMapEntry(field.MessageType, value, at!, errors, depth);
            }
            else
            {
                Walk(field.MessageType, value, at!, errors, depth + 1);
            }
        }
    }

    private static void WalkMapEntry(MessageDescriptor entry, ByteString bytes, string path, List<string> errors, int depth)
    {
        var parsed = new CodedInputStream(bytes.ToByteArray());
        var key = "";
        ByteString? value = null;
        uint tag;
        while ((tag = parsed.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited && entry.FindFieldByNumber(1).FieldType == FieldType.String:
                    key = parsed.ReadString();
                    break;
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    value = parsed.ReadBytes();
                    break;
                default:
                    parsed.SkipLastField();
                    break;
            }
        }

        var valueField = entry.FindFieldByNumber(2);
        if (value is null || valueField.FieldType != FieldType.Message)
        {
            return;
        }

        var at = $"{path}['{key}']";
        if (valueField.MessageType.FullName == Any.Descriptor.FullName)
        {
            WalkAny(value, at, errors, depth);
        }
        else
        {
            Walk(valueField.MessageType, value, at, errors, depth + 1);
        }
    }

    private static void WalkAny(ByteString bytes, string path, List<string> errors, int depth)
    {
        var any = Any.Parser.ParseFrom(bytes);
        var name = Any.GetTypeName(any.TypeUrl);
        if (Known.Find(name) is { } descriptor)
        {
            Walk(descriptor, any.Value, path, errors, depth + 1);
        }

        // An Any of a type Mesh does not know is refused where it is read (a filter or extension Mesh does not implement), by name.
    }
}
