#!/usr/bin/env bash
# Kill storm (docs/RELIABILITY.md, "Faults: kill storm"): one training run killed with SIGKILL
# at N moments and resumed after each; at the end its metrics, test accuracy and weights must
# equal those of the same run never interrupted. The moments mix
#   - IMGCLS_TEST_KILL_AT's deterministic points: after a training step (E:S), epoch E's best
#     checkpoint written under its pending name (E:best-pending), last.pt written before best.pt's
#     rename (E:last-written), and halfway through the atomic write of a file
#     (write:last.pt|epoch-E.pt|metrics.csv|summary.json|config.yaml: its temporary file half
#     written); a point that does not fire (an epoch that did not improve) falls back to a
#     random-time kill;
#   - random times, from 0.2 s to 3 s past the time a start takes (measured on the straight run),
#     so in start-up, training and checkpoint writes alike.
# After every kill it also checks that the next process is not refused (no stale lock).
#
#   scripts/dev/kill_storm.sh [N]          # N kills (default 30); prints one line per kill
#   KILL_STORM_SEED=7 scripts/dev/kill_storm.sh 30   # the same moments again
# Environment: IMGCLS_BINARY (default build/imgcls), IMGCLS_PYTHON (torch, to compare the
# weights tensor by tensor; default the project's venv; without one the exported state_dicts
# are compared byte for byte), KILL_STORM_DIR (keep the runs there). Exit 1 on any difference.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n="${1:-30}"
bin="${IMGCLS_BINARY:-$root/build/imgcls}"
seed="${KILL_STORM_SEED:-$(( $(date +%s) % 100000 ))}"
RANDOM=$seed
python="${IMGCLS_PYTHON:-$(ls -d "$HOME"/.cache/imgcls/venv-torch*/bin/python 2>/dev/null | tail -1)}"
if [[ -n "${KILL_STORM_DIR:-}" ]]; then work="$KILL_STORM_DIR"; mkdir -p "$work"
else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
[[ -x "$bin" ]] || { echo "kill_storm: no imgcls binary at $bin (build first, or set IMGCLS_BINARY)" >&2; exit 2; }

epochs=$(( 5 * n + 10 ))  # room for every kill (a kill lets the run advance a few epochs at most)
cat >"$work/c.yaml" <<EOF
name: storm
seed: 3
device: cpu
threads: 1
data: {dataset: fashion_mnist, limit: 4000, val_split: 0.2, batch_size: 100}
model: {name: mlp, hidden: [256], dropout: 0.3}
optimizer: {name: adam, lr: 0.002}
scheduler: {name: cosine}
train: {epochs: $epochs}
output: {keep_last: 2}
EOF
steps=32  # 3200 training images / 100
echo "kill storm: $n SIGKILLs, seed $seed, $epochs epochs of an MLP on 4,000 Fashion-MNIST images, in $work"
t0=$(date +%s)
# The run never interrupted; and how long a start takes here (until config.yaml is written),
# so that random kills land in start-up and in training alike.
"$bin" train "$work/c.yaml" -q --out "$work/straight" &
straight=$!
start=$(date +%s.%N)
while [[ ! -f "$work/straight/config.yaml" ]] && kill -0 "$straight" 2>/dev/null; do sleep 0.05; done
startup=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
wait "$straight"
run="$work/storm"

done_epochs() { [[ -f "$run/metrics.csv" ]] && echo $(( $(wc -l <"$run/metrics.csv") - 1 )) || echo 0; }

declare -A fired=()
resumes=0 kills=0
while (( kills < n )); do
  done_now=$(done_epochs)
  e=$(( done_now + 2 ))  # metrics.csv may lag last.pt by one epoch: never name a past point
  case $(( RANDOM % 8 )) in
    0 | 1) point="$e:$(( 1 + RANDOM % (steps - 1) ))" kind=step ;;
    2) point="$e:best-pending" kind=best-pending ;;
    3) point="$e:last-written" kind=last-written ;;
    4) files=(last.pt "epoch-$e.pt" metrics.csv summary.json config.yaml)
       point="write:${files[RANDOM % 5]}" kind=$point ;;
    *) point="" kind=random ;;
  esac
  if [[ -f "$run/config.yaml" ]]; then args=(train --resume "$run" -q); resumes=$((resumes + 1))
  else args=(train "$work/c.yaml" -q --out "$run"); fi
  IMGCLS_TEST_KILL_AT="$point" "$bin" "${args[@]}" >"$work/last.txt" 2>&1 &
  pid=$!
  # The random kill: the moment itself, or the fallback when a point does not fire.
  delay=$(awk -v r=$RANDOM -v s="$startup" 'BEGIN {printf "%.2f", 0.2 + (s + 3) * r / 32767}')
  if [[ -n "$point" ]]; then delay=$(awk -v d="$delay" -v s="$startup" 'BEGIN {print d + s + 4}'); fi
  ( sleep "$delay"; kill -KILL "$pid" 2>/dev/null && touch "$work/watchdog" ) &
  watchdog=$!
  rc=0; wait "$pid" 2>/dev/null || rc=$?
  kill "$watchdog" 2>/dev/null || true; wait "$watchdog" 2>/dev/null || true
  at=""
  if [[ -f "$work/watchdog" ]]; then
    rm -f "$work/watchdog"; at=" at ${delay}s"
    if [[ "$kind" != random ]]; then kind="random (after $kind did not fire)"; fi
  fi
  case $rc in
    137) kills=$((kills + 1)); fired[${kind%% *}]=$(( ${fired[${kind%% *}]:-0} + 1 ))
         echo "kill $kills/$n: $kind$at; $(done_epochs) epochs in metrics.csv" ;;
    2) echo "kill_storm: the run was refused after a kill:"; cat "$work/last.txt"; exit 1 ;;
    0) echo "kill_storm: the run finished after $kills kills (raise the epochs)"; exit 1 ;;
    *) echo "kill_storm: exit $rc:"; cat "$work/last.txt"; exit 1 ;;
  esac
done
if [[ -f "$run/config.yaml" ]]; then "$bin" train --resume "$run" -q; resumes=$((resumes + 1))
else "$bin" train "$work/c.yaml" -q --out "$run"; fi

# Compare: metrics without the timing columns, the summary's results, the weights.
strip() { awk -F, 'NR==1 {for (i=1;i<=NF;i++) keep[i] = ($i !~ /_seconds$/ && $i != "images_per_second")}
                   {s=""; for (i=1;i<=NF;i++) if (keep[i]) s = s $i ","; print s}' "$1/metrics.csv"; }
fail=0
if diff <(strip "$work/straight") <(strip "$run") >/dev/null; then metrics=equal; else metrics=DIFFERENT; fail=1; fi
result() { grep -E '"(status|test_acc|test_loss|best_epoch|epochs_run)"' "$1/summary.json"; }
if diff <(result "$work/straight") <(result "$run") >/dev/null; then summary=equal; else summary=DIFFERENT; fail=1; fi
"$bin" export "$work/straight" --format state_dict --out "$work/straight.pth" >/dev/null
"$bin" export "$run" --format state_dict --out "$work/storm.pth" >/dev/null
if [[ -x "$python" ]]; then
  weights=$("$python" -c '
import sys, torch
a, b = (torch.load(p, weights_only=True) for p in sys.argv[1:3])
same = a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
print(f"equal ({len(a)} tensors)" if same else "DIFFERENT")' "$work/straight.pth" "$work/storm.pth")
else
  cmp -s "$work/straight.pth" "$work/storm.pth" && weights="equal (bytes)" || weights=DIFFERENT
fi
[[ "$weights" == equal* ]] || fail=1
temp=$(find "$run" -name '*.tmp.*' | wc -l)
(( temp == 0 )) || fail=1
kinds=""; for k in "${!fired[@]}"; do kinds+="${kinds:+, }$k ${fired[$k]}"; done
echo "kill storm: $kills SIGKILLs ($kinds), $resumes resumes, start-up ${startup} s, $(( $(date +%s) - t0 )) s in all;" \
     "metrics.csv $metrics, summary $summary, weights $weights, $temp temporary files left"
exit $fail
