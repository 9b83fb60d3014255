#!/usr/bin/env bash
# The fleet benchmark of issue #9: wall time and peak RSS of argocd-preflight on a
# generated fleet of the talk's shape (scripts/generate-fleet.py).
#
#   scripts/bench-fleet.sh [--scale 1] [--keep DIR] [BINARY]
#
# BINARY defaults to $CARGO_TARGET_DIR/release/argocd-preflight (target/ when unset),
# built with `cargo build --release` when missing. The fleet is generated twice under
# DIR — kubectl/ (kubectl-style JSON with managedFields and last-applied) and capture/
# (the form `capture` writes: --no-managed-fields --no-events --compact) — and reused by later runs with --keep
# DIR when its stamp matches the scale and the generator. Without --keep the fleet goes
# to a temporary directory that is removed at exit.
#
# Each figure is the median of 3 runs (1 run at scale >= 5), measured with
# /usr/bin/time -f '%e %M': `plan` on both forms, `what-if` deleting namespace
# kube-metrics on one cluster (both forms), `generate` of one ApplicationSet of the
# fleet and of one that generates about 15,000 (scripts/bench-big-appset.py; both
# forms), `audit` of the capture form, and the bare
# skip-parse baseline `BINARY debug skip-parse --snapshot DIR` (every file parsed into
# serde's IgnoredAny by serde_json on the same threads), with the ratio plan / skip-parse;
# and, for binaries that have it, the same skip-parse by the loader's own JSON reader
# (`--fast-reader`), with the ratio plan / that skip-parse.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
scale=1
keep=""
binary=""

usage() {
    # The header comment, however long it grows.
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --scale) scale="${2:?--scale needs a value}"; shift 2 ;;
        --scale=*) scale="${1#--scale=}"; shift ;;
        --keep) keep="${2:?--keep needs a directory}"; shift 2 ;;
        --keep=*) keep="${1#--keep=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "bench-fleet: unknown option $1" >&2; usage >&2; exit 2 ;;
        *)
            if [ -n "$binary" ]; then echo "bench-fleet: one BINARY only" >&2; exit 2; fi
            binary="$1"; shift ;;
    esac
done

if ! python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)" "$scale" 2>/dev/null; then
    echo "bench-fleet: --scale must be a positive number, not '$scale'" >&2
    exit 2
fi
if [ ! -x /usr/bin/time ]; then
    echo "bench-fleet: needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install -y time)" >&2
    exit 2
fi

if [ -z "$binary" ]; then
    binary="${CARGO_TARGET_DIR:-$repo/target}/release/argocd-preflight"
    if [ ! -x "$binary" ]; then
        echo "bench-fleet: building $binary" >&2
        (cd "$repo" && cargo build --release --quiet)
    fi
fi
if [ ! -x "$binary" ]; then
    echo "bench-fleet: no executable at $binary" >&2
    exit 2
fi
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"

if [ -n "$keep" ]; then
    dir="$keep"
    mkdir -p "$dir"
else
    dir="$(mktemp -d "${TMPDIR:-/tmp}/bench-fleet.XXXXXX")"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/bench-fleet-runs.XXXXXX")"
trap 'rm -rf "$work"; if [ -z "$keep" ]; then rm -rf "$dir"; fi' EXIT

generator="$repo/scripts/generate-fleet.py"
generator_hash="$(sha256sum "$generator" | cut -d' ' -f1)"

# generate FORM FLAGS...: DIR/FORM holds the fleet, regenerated unless its stamp matches.
generate() {
    local form="$1"; shift
    local stamp="scale=$scale form=$form args=$* generator=$generator_hash"
    if [ -f "$dir/$form/.bench-stamp" ] && [ "$(cat "$dir/$form/.bench-stamp")" = "$stamp" ]; then
        echo "bench-fleet: reusing $dir/$form" >&2
        return
    fi
    echo "bench-fleet: generating $dir/$form (scale $scale)" >&2
    local start end
    start=$(date +%s)
    python3 "$generator" "$dir/$form" --scale "$scale" "$@" 2>"$work/generate-$form.log" || {
        cat "$work/generate-$form.log" >&2
        exit 2
    }
    end=$(date +%s)
    echo "bench-fleet: generated $dir/$form in $((end - start)) s" >&2
    printf '%s\n' "$stamp" > "$dir/$form/.bench-stamp"
}

generate kubectl
generate capture --no-managed-fields --no-events --compact

runs=3
if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 5 else 1)" "$scale"; then
    runs=1
fi

# measure NAME OK_CODES CMD...: runs CMD $runs times (stdout to /dev/null) and sets
# wall_NAME and rss_NAME (MiB) to the medians; fails when CMD exits with another code.
declare -A wall rss
measure() {
    local name="$1" ok="$2"; shift 2
    local walls=() rsses=() i code
    for ((i = 0; i < runs; i++)); do
        code=0
        /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || code=$?
        if [[ " $ok " != *" $code "* ]]; then
            echo "bench-fleet: '$*' exited with $code:" >&2
            tail -n 20 "$work/stderr" >&2
            exit 2
        fi
        read -r w m < <(tail -n 1 "$work/time")
        walls+=("$w")
        rsses+=("$m")
    done
    wall[$name]="$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")"
    rss[$name]="$(printf '%s\n' "${rsses[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p" |
        awk '{ printf "%.0f", $1 / 1024 }')"
}

kubectl="$dir/kubectl"
capture="$dir/capture"
cluster="$(find "$kubectl/snapshot" -mindepth 1 -maxdepth 1 -type d ! -name in-cluster -printf '%f\n' | sort | head -n 1)"
appset="tenant-api"
appset_file="$kubectl/base/$appset.yaml"
appset_apps="$("$binary" generate "$appset_file" --snapshot "$kubectl/snapshot" -o json |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')"

plan_args=(--format json)
measure plan_kubectl "0 1" "$binary" plan --snapshot "$kubectl/snapshot" \
    --base "$kubectl/base" --head "$kubectl/head" "${plan_args[@]}"
measure plan_capture "0 1" "$binary" plan --snapshot "$capture/snapshot" \
    --base "$capture/base" --head "$capture/head" "${plan_args[@]}"
measure what_if "0 1" "$binary" what-if --snapshot "$kubectl/snapshot" --cluster "$cluster" \
    --delete namespace/kube-metrics
measure what_if_capture "0 1" "$binary" what-if --snapshot "$capture/snapshot" \
    --cluster "$cluster" --delete namespace/kube-metrics
measure generate "0" "$binary" generate "$appset_file" --snapshot "$kubectl/snapshot" -o json
# About 15,000 Applications from one ApplicationSet: every cluster crossed with a list.
large_appset="$work/large-appset.yaml"
python3 "$repo/scripts/bench-big-appset.py" "$kubectl/fleet.json" "$large_appset"
large_apps="$("$binary" generate "$large_appset" --snapshot "$kubectl/snapshot" -o json |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')"
measure generate_large "0" "$binary" generate "$large_appset" --snapshot "$kubectl/snapshot" -o json
measure generate_large_capture "0" "$binary" generate "$large_appset" \
    --snapshot "$capture/snapshot" -o json
# `audit` reads every cluster and simulates each exposure's deletion: the nightly job.
audit=yes
if "$binary" audit --help >/dev/null 2>&1; then
    measure audit_capture "0 1" "$binary" audit --snapshot "$capture/snapshot" --format json
else
    audit=no
fi

skip_parse=yes
if ! "$binary" debug skip-parse --snapshot "$capture/snapshot" >/dev/null 2>&1; then
    skip_parse=no
else
    measure skip_kubectl "0" "$binary" debug skip-parse --snapshot "$kubectl/snapshot"
    measure skip_capture "0" "$binary" debug skip-parse --snapshot "$capture/snapshot"
fi
fast_reader=no
if [ "$skip_parse" = yes ] &&
    "$binary" debug skip-parse --fast-reader --snapshot "$capture/snapshot" >/dev/null 2>&1; then
    fast_reader=yes
    measure skip_reader_kubectl "0" "$binary" debug skip-parse --fast-reader \
        --snapshot "$kubectl/snapshot"
    measure skip_reader_capture "0" "$binary" debug skip-parse --fast-reader \
        --snapshot "$capture/snapshot"
fi

# What was measured on what.
summary() {
    python3 - "$1/fleet.json" <<'EOF'
import json, sys
f = json.load(open(sys.argv[1]))
print(f"{f['clusters']} clusters, {f['namespaces']:,} namespaces, {f['pods']:,} pods, "
      f"{f['objects']:,} objects, {f['applications']:,} Applications, {f['bytes'] / 1e9:.2f} GB")
EOF
}
cpu="$(grep -m 1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
memory="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"

echo "argocd-preflight fleet benchmark (scale $scale, median of $runs run$([ "$runs" = 1 ] || echo s))"
echo "machine:  $(nproc) CPUs, ${cpu:-unknown CPU}, $memory memory"
echo "binary:   $binary"
echo "kubectl:  $(summary "$kubectl") (managedFields, last-applied)"
echo "capture:  $(summary "$capture") (compact; no managedFields, last-applied or Events)"
echo
printf '%-64s %9s %15s\n' "command" "wall (s)" "peak RSS (MiB)"
row() { printf '%-64s %9s %15s\n' "$1" "${wall[$2]}" "${rss[$2]}"; }
row "plan, kubectl-style JSON" plan_kubectl
row "plan, capture form" plan_capture
row "what-if --cluster $cluster --delete namespace/kube-metrics" what_if
row "what-if, the same, capture form" what_if_capture
row "generate $appset ($appset_apps Applications)" generate
row "generate clusters x list ($large_apps Applications)" generate_large
row "generate clusters x list, capture form" generate_large_capture
if [ "$audit" = yes ]; then
    row "audit, capture form" audit_capture
fi
if [ "$skip_parse" = yes ]; then
    row "debug skip-parse, kubectl-style JSON" skip_kubectl
    row "debug skip-parse, capture form" skip_capture
    if [ "$fast_reader" = yes ]; then
        row "debug skip-parse --fast-reader, kubectl-style JSON" skip_reader_kubectl
        row "debug skip-parse --fast-reader, capture form" skip_reader_capture
    fi
    echo
    ratio() { python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{a / b:.2f}' if b else 'n/a')" "$1" "$2"; }
    echo "plan / skip-parse, kubectl-style JSON: $(ratio "${wall[plan_kubectl]}" "${wall[skip_kubectl]}")"
    echo "plan / skip-parse, capture form:       $(ratio "${wall[plan_capture]}" "${wall[skip_capture]}")"
    if [ "$fast_reader" = yes ]; then
        echo "plan / skip-parse --fast-reader, kubectl-style JSON: $(ratio "${wall[plan_kubectl]}" "${wall[skip_reader_kubectl]}")"
        echo "plan / skip-parse --fast-reader, capture form:       $(ratio "${wall[plan_capture]}" "${wall[skip_reader_capture]}")"
    fi
else
    echo
    echo "skip-parse: not available in this binary"
fi
