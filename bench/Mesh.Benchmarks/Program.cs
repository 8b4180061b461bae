using BenchmarkDotNet.Running;
using Mesh.Benchmarks;

// Run with: dotnet run -c Release --project bench/Mesh.Benchmarks -- --filter '*'
// (scripts/bench.sh passes the job settings used for docs/benchmarks.md).
// The config convergence harness: dotnet run -c Release --project bench/Mesh.Benchmarks -- convergence [--watchers 50] [--rounds 200]
// The resilience load test: dotnet run -c Release --project bench/Mesh.Benchmarks -- resilience-load [--requests 20000] [--concurrency 16]
// The loopback harness (direct vs mesh): dotnet run -c Release --project bench/Mesh.Benchmarks -- loopback [--rounds 3] [--duration 5] [--warmup 3] [--modes direct,mesh,mesh-bare]
//   gRPC (issue 9): loopback --modes grpc-direct,grpc-mesh[,grpc-mesh-bare] (a unary call through AddGrpcClient, with and without .AddMesh())
//   mTLS (issue 10): loopback --modes direct,mesh,direct-tls,mesh-mtls; handshakes: loopback --modes direct-tls,mesh-mtls --loads handshake1,handshake16
//   (it starts its client processes with the verb loopback-client; loopback --backend-only keeps just the backend up, for profiling a client by hand)
// Mesh.Server at scale (issue 11): dotnet run -c Release --project bench/Mesh.Benchmarks -- xds-scale [--services 1000] [--endpoints 10000] [--clients 1000] [--rounds 20]
//   (quick: xds-scale --services 100 --endpoints 1000 --clients 100 --rounds 6; it starts its clients with the verb xds-scale-clients)
// The config fuzz run: dotnet run -c Release --project bench/Mesh.Benchmarks -- fuzz [--inputs 100000] [--seed 1] [--max-mb 128] [--max-seconds 5]
if (args.Length > 0 && args[0] == "convergence")
{
    return await ConvergenceHarness.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "resilience-load")
{
    return await ResilienceLoadHarness.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "loopback")
{
    return await LoopbackHarness.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "loopback-client")
{
    return await LoopbackClient.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "xds-scale")
{
    return await Mesh.Benchmarks.XdsScale.XdsScaleHarness.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "xds-scale-clients")
{
    return await Mesh.Benchmarks.XdsScale.XdsScaleClients.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "fuzz")
{
    return FuzzHarness.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
