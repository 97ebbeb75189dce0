#!/usr/bin/env bash
# Two machines on this one: two network namespaces joined by a veth pair (10.77.<k>.1 and
# .2, private to the namespaces), each running `torchrun --nnodes 2 --nproc-per-node 1` with
# the c10d rendezvous on the first; imgcls's ranks then talk over the veth pair only.
# Needs root (ip netns); exits 77, saying why, when namespaces cannot be made (tests skip).
#   scripts/dev/two_nodes.sh build/imgcls train CONFIG [overrides] --out RUN_DIR
# TORCHRUN: torchrun to use (default: the project's torch environment's).
set -euo pipefail
bin=$(realpath "$1"); shift
torchrun=${TORCHRUN:-$HOME/.cache/imgcls/venv-torch2.11.0/bin/torchrun}
k=$(( $$ % 200 + 20 ))
a=imgcls-$$-a b=imgcls-$$-b va=ica$$ vb=icb$$
cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; }
trap cleanup EXIT
if ! err=$(ip netns add "$a" 2>&1); then
  echo "two_nodes.sh: cannot create a network namespace (ip netns add: $err); needs root or CAP_SYS_ADMIN" >&2
  exit 77
fi
ip netns add "$b"
ip link add "$va" type veth peer name "$vb"
ip link set "$va" netns "$a"
ip link set "$vb" netns "$b"
ip -n "$a" addr add "10.77.$k.1/24" dev "$va"
ip -n "$b" addr add "10.77.$k.2/24" dev "$vb"
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set "$va" up
ip -n "$b" link set "$vb" up
rdzv=(--nnodes 2 --nproc-per-node 1 --rdzv-backend c10d --rdzv-endpoint "10.77.$k.1:29400" --rdzv-id "imgcls-$$")
# The first node hosts the rendezvous store: torchrun cannot tell from its host name, which
# resolves outside the namespace.
GLOO_SOCKET_IFNAME=$va ip netns exec "$a" "$torchrun" "${rdzv[@]}" --rdzv-conf is_host=true --local-addr "10.77.$k.1" \
  --no-python "$bin" "$@" >"${TMPDIR:-/tmp}/two_nodes-$$-a.log" 2>&1 &
first=$!
status=0
GLOO_SOCKET_IFNAME=$vb ip netns exec "$b" "$torchrun" "${rdzv[@]}" --rdzv-conf is_host=false --local-addr "10.77.$k.2" \
  --no-python "$bin" "$@" >"${TMPDIR:-/tmp}/two_nodes-$$-b.log" 2>&1 || status=$?
wait "$first" || status=$?
for n in a b; do echo "--- node $n:"; cat "${TMPDIR:-/tmp}/two_nodes-$$-$n.log"; rm -f "${TMPDIR:-/tmp}/two_nodes-$$-$n.log"; done
exit "$status"
