#!/usr/bin/env bash
# Run every benchmark; print to stdout and keep copies in bench/results/ (git-ignored):
#   results/<script>.txt   what the script printed
#   results/<script>.json  its figures (every run's time, medians, p90s, ratios, environment)
#
#   bash bench/run_all.sh            # setup, then all benchmarks (~15-20 min the first time,
#                                    # of which ~4 min builds the cached 1M-entry ledger)
#   RUNS=10 bash bench/run_all.sh    # fewer runs per case for a quick look
#
# Never run by CI. Needs the dev venv at .venv with residentlog installed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
py="$repo/.venv/bin/python"
runs="${RUNS:-30}"
verify_rounds="${VERIFY_ROUNDS:-5}"
n="${N:-1000000}"
export BENCH_RESULTS="$here/results"
mkdir -p "$BENCH_RESULTS"

run() {
    local name="$1"
    shift
    echo
    echo "=================== $name ==================="
    "$@" 2>&1 | tee "$BENCH_RESULTS/$name.txt"
}

run setup bash "$here/setup.sh"
if [[ ! -f "$here/.env/ledger-$n/ledger.sqlite" ]]; then
    rm -rf "$here/.env/ledger-$n.building"
    run make_ledger "$py" "$here/make_ledger.py" "$n" "$here/.env/ledger-$n.building" --force
    mv "$here/.env/ledger-$n.building" "$here/.env/ledger-$n"
fi
run add_vs_jrnl "$py" "$here/add_vs_jrnl.py" --runs "$runs" --n "$n"
run verify_throughput "$py" "$here/verify_throughput.py" --rounds "$verify_rounds" --n "$n"
run startup "$py" "$here/startup.py" --runs "$runs"
run proofs "$py" "$here/proofs.py" --n "$n"

echo
echo "results in $BENCH_RESULTS"
