namespace Mesh.Server.Dashboard;

/// <summary>Endpoints a caller's outlier detection holds ejected now from one cluster (its <c>mesh_cluster_endpoints{state="ejected"}</c>).</summary>
internal sealed record EjectionReport(string Cluster, string ReportedBy, long Ejected);
