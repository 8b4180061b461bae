#!/usr/bin/env bash
# Runs the BenchmarkDotNet suites in bench/Mesh.Benchmarks.
#
#   scripts/bench.sh                 every benchmark, short job (what docs/benchmarks.md reports)
#   scripts/bench.sh --full          every benchmark, BenchmarkDotNet's default job (slower, tighter errors)
#   scripts/bench.sh [args...]       extra BenchmarkDotNet arguments, e.g. --filter '*RingHash*'
#   scripts/bench.sh loopback [opts] the loopback harness: direct vs mesh through a Kestrel backend on
#                                    127.0.0.1, one client process per mode and round (about 2-3 minutes;
#                                    --rounds 3 --duration 5 --warmup 3 by default; see docs/benchmarks.md)
#   scripts/bench.sh loopback --modes grpc-direct,grpc-mesh
#                                    the same for a unary gRPC call (AddGrpcClient, and .AddMesh() on it;
#                                    about 2 minutes)
#   scripts/bench.sh loopback --modes direct,mesh,direct-tls,mesh-mtls
#                                    mTLS (issue 10) against plaintext and against TLS without the mesh (about 3.7 minutes)
#   scripts/bench.sh loopback --modes direct-tls,mesh-mtls --loads handshake1,handshake16
#                                    mTLS handshakes per second: a new connection per request, 1 and 16 connectors
#   scripts/bench.sh xds-scale [opts] Mesh.Server at scale: 1000 services, 10,000 endpoints, 1000 ADS clients (about 1 minute;
#                                    --services 100 --endpoints 1000 --clients 100 --rounds 6 for a run of a few seconds)
#
# The short job is 1 launch, 5 warmup and 15 measured iterations: ShortRun with more iterations,
# to keep the run to a few minutes on a 2-core machine while the error column stays readable.
# Results land in BenchmarkDotNet.Artifacts/results (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "xds-scale" ]]; then
  shift
  dotnet build -c Release bench/Mesh.Benchmarks -v quiet -nologo
  exec dotnet bench/Mesh.Benchmarks/bin/Release/net10.0/Mesh.Benchmarks.dll xds-scale "$@"
fi

if [[ "${1:-}" == "loopback" ]]; then
  shift
  dotnet build -c Release bench/Mesh.Benchmarks -v quiet -nologo
  exec dotnet bench/Mesh.Benchmarks/bin/Release/net10.0/Mesh.Benchmarks.dll loopback "$@"
fi

job=(--launchCount 1 --warmupCount 5 --iterationCount 15)
if [[ "${1:-}" == "--full" ]]; then
  job=()
  shift
fi

filter=(--filter '*')
for arg in "$@"; do
  if [[ "$arg" == "--filter" ]]; then
    filter=()
  fi
done

exec dotnet run -c Release --project bench/Mesh.Benchmarks -- "${filter[@]}" "${job[@]}" "$@"
