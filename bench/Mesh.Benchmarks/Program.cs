using BenchmarkDotNet.Running;

// Run with: dotnet run -c Release --project bench/Mesh.Benchmarks -- --filter '*'
// (scripts/bench.sh passes the job settings used for docs/benchmarks.md).
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
