using System.Collections.Concurrent;
using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Snapshot;

namespace Mesh.Server.Xds;

/// <summary>
/// One state of the mesh as Mesh.Server serves it: the registry's documents and instances, the IP
/// addresses of endpoint host names, and the views compiled from them, one per distinct caller
/// identity (sourceLabels and sourceNamespace matches depend on the caller), built on first use.
/// </summary>
internal sealed class XdsGeneration
{
    private readonly ConcurrentDictionary<string, Lazy<XdsView>> _views = new(StringComparer.Ordinal);
    private readonly Action<MeshIdentity, Exception> _compileFailed;
    private readonly Action<IReadOnlyList<string>> _notesFound;
    private readonly string[] _sourceLabelKeys;
    private XdsGeneration? _previous;

    public XdsGeneration(
        long number,
        MeshState state,
        IReadOnlyDictionary<string, IReadOnlyList<string>> resolved,
        MeshIdentity defaultIdentity,
        XdsGeneration? previous,
        Action<MeshIdentity, Exception> compileFailed,
        Action<IReadOnlyList<string>> notesFound)
    {
        Number = number;
        State = state;
        Resolved = resolved;
        DefaultIdentity = defaultIdentity;
        _previous = previous;
        _compileFailed = compileFailed;
        _notesFound = notesFound;
        _sourceLabelKeys = [.. state.Documents.OfType<VirtualService>()
            .SelectMany(v => v.Spec.Http)
            .SelectMany(r => r.Match)
            .SelectMany(m => m.SourceLabels.Keys)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Gets the generation's number: 1 for the first state served, one more per applied update (logs and the admin API; never an xDS version).</summary>
    public long Number { get; }

    public MeshState State { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Resolved { get; }

    public MeshIdentity DefaultIdentity { get; }

    /// <summary>Gets the view of the server's own identity (Mesh:Namespace, Mesh:Labels), compiled when the generation is made; it validates the state.</summary>
    public XdsView Default => ViewFor(DefaultIdentity);

    /// <summary>Gets the unsupported features of every view built so far.</summary>
    public IReadOnlyList<string> Notes => [.. _views.Values.Where(v => v.IsValueCreated).SelectMany(v => v.Value.Notes).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Gets the view of a caller; a caller whose compile fails keeps the view of the previous generation (the last good config).
    /// Callers share a view when they agree on what compilation reads of them (<see cref="Project"/>), so a thousand callers
    /// of one namespace compile once per generation unless a VirtualService's sourceLabels tells them apart.
    /// </summary>
    public XdsView ViewFor(MeshIdentity identity)
    {
        var projected = Project(identity);
        return _views.GetOrAdd(XdsNodeIdentity.KeyOf(projected), static (_, arg) => new Lazy<XdsView>(() => arg.Generation.Build(arg.Projected)), (Generation: this, Projected: projected)).Value;
    }

    /// <summary>
    /// The part of a caller's identity that the routes and clusters served over xDS depend on: its namespace (short names,
    /// exportTo, sourceNamespace), its trust domain (expected SPIFFE IDs), and those of its labels that some VirtualService's
    /// <c>sourceLabels</c> names. The view's snapshot is compiled for this identity, so its AuthorizationPolicies are not the caller's
    /// (xDS serves none to clients).
    /// </summary>
    public MeshIdentity Project(MeshIdentity identity)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in _sourceLabelKeys)
        {
            if (identity.Labels.TryGetValue(key, out var value))
            {
                labels[key] = value;
            }
        }

        return new MeshIdentity("", identity.Namespace, labels, "127.0.0.1", identity.TrustDomain);
    }

    /// <summary>Gets the view of a projected identity's key if it was built (a new generation reuses its unchanged resources); never builds one.</summary>
    private XdsView? Existing(string key) => _views.TryGetValue(key, out var view) && view.IsValueCreated ? view.Value : null;

    /// <summary>
    /// Gets the view of a caller, or null when <see cref="XdsLimits.MaxViews"/> identities already have one
    /// (node metadata is the client's to choose: distinct identities must not compile the mesh without end). The identity is
    /// projected first (<see cref="Project"/>), so labels no VirtualService selects on never make a new view.
    /// </summary>
    public XdsView? TryViewFor(MeshIdentity identity)
    {
        var projected = Project(identity);
        var key = XdsNodeIdentity.KeyOf(projected);
        if (_views.TryGetValue(key, out var view))
        {
            return view.Value;
        }

        return _views.Count >= XdsLimits.MaxViews
            ? null
            : _views.GetOrAdd(key, static (_, arg) => new Lazy<XdsView>(() => arg.Generation.Build(arg.Projected)), (Generation: this, Projected: projected)).Value;
    }

    /// <summary>Forgets the previous generation once this one is in force and its default view compiled.</summary>
    public void ReleasePrevious() => _previous = null;

    /// <summary>Compiles the server's own view; throws <see cref="MeshConfigException"/> when the state is not valid.</summary>
    public XdsView CompileDefault()
    {
        var identity = Project(DefaultIdentity);
        var view = new XdsView(Compile(identity), Resolved, _previous?.Existing(XdsNodeIdentity.KeyOf(identity)));
        _views[XdsNodeIdentity.KeyOf(identity)] = new Lazy<XdsView>(view);
        _notesFound(view.TranslateAll());
        return view;
    }

    private MeshSnapshot Compile(MeshIdentity identity)
    {
        if (State.Errors.Count > 0)
        {
            throw new MeshConfigException(State.Errors);
        }

        return new MeshSnapshotCompiler(identity).Compile(Number, State.Documents, State.Instances, State.ColdServices);
    }

    private XdsView Build(MeshIdentity identity)
    {
        XdsView view;
        try
        {
            view = new XdsView(Compile(identity), Resolved, _previous?.Existing(XdsNodeIdentity.KeyOf(identity)));
        }
        catch (MeshConfigException ex)
        {
            _compileFailed(identity, ex);
            if (_previous is { } previous)
            {
                return previous.ViewFor(identity);
            }

            // No good config for this caller yet: the instances alone, with default routes.
            view = new XdsView(new MeshSnapshotCompiler(identity).Compile(Number, [], State.Instances, State.ColdServices), Resolved);
        }

        _notesFound(view.TranslateAll());
        return view;
    }
}
