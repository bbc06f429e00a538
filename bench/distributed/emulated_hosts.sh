#!/usr/bin/env bash
# Several hosts on one machine: each a network namespace (tbh1..tbhN) with a veth into one bridge in the
# root namespace, and a rate-limited link, so that MPI ranks started in different namespaces talk over TCP
# through a slow link instead of shared memory.
#
#   bench/distributed/emulated_hosts.sh up N_HOSTS RATE [DELAY_MS]   e.g. up 2 100mbit, up 4 1gbit 2
#   bench/distributed/emulated_hosts.sh down
#   bench/distributed/emulated_hosts.sh status
#   bench/distributed/emulated_hosts.sh bits-per-second RATE          (RATE as a number, for scripts)
#
# RATE is in tc's notation (100mbit, 1gbit). Host i is 10.77.0.i on 10.77.0.0/24 and the bridge is
# 10.77.0.254; /etc/hosts names every host (the lines carry a marker that `down` removes them by).
# A token bucket (tbf) limits both ends of each veth: the namespace side shapes what the host sends, the
# root side what it receives, so a transfer between two hosts is held to RATE in either direction.
#
# A delay needs the netem qdisc, which many container and VM kernels lack (tc answers "Specified qdisc
# kind is unknown"). `up` tries it every time and says plainly whether the link has a delay or only a
# rate. `up` starts from `down`, so running it twice leaves one set-up; `down` removes what is there.
set -euo pipefail

readonly bridge=tbbr0
readonly subnet_prefix=10.77.0
readonly bridge_address=$subnet_prefix.254
readonly hosts_marker="# trainbench emulated host"
readonly namespace_prefix=tbh

usage() {
  echo 'usage:' >&2
  sed -n '6,9p' "$0" | sed 's/^#  //' >&2
  exit 2
}

require_root() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "emulated_hosts.sh: network namespaces, veth pairs and qdiscs need root (run it with sudo, or as root)" >&2
    exit 1
  fi
  for tool in ip tc; do
    command -v "$tool" > /dev/null || { echo "emulated_hosts.sh: '$tool' is missing (install iproute2)" >&2; exit 1; }
  done
}

# /etc/hosts is often a bind mount in a container, which `sed -i` cannot replace (it renames a new file
# over it): the filtered copy is written back into the same file instead.
remove_hosts_entries() {
  [[ -f /etc/hosts ]] || return 0
  local kept
  kept=$(grep -vF "$hosts_marker" /etc/hosts || true)
  printf '%s\n' "$kept" > /etc/hosts
}

emulated_namespaces() {
  ip netns list 2> /dev/null | awk '{print $1}' | grep -E "^${namespace_prefix}[0-9]+$" || true
}

down() {
  local namespace
  for namespace in $(emulated_namespaces); do
    # Ranks or daemons left in a namespace would keep its veth alive; they are this bench's own.
    ip netns pids "$namespace" 2> /dev/null | xargs -r kill 2> /dev/null || true
    ip netns delete "$namespace"
  done
  # Deleting a namespace deletes its veth end, and with it the root end; a root end left over from an
  # interrupted `up` is removed here.
  local link
  for link in $(ip -o link show 2> /dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^tbveth[0-9]+$' || true); do
    ip link delete "$link" 2> /dev/null || true
  done
  if ip link show "$bridge" > /dev/null 2>&1; then ip link delete "$bridge"; fi
  remove_hosts_entries
  # The private /tmp folders netns_rsh_agent.sh gives the hosts.
  rm -rf /tmp/trainbench-netns-"$namespace_prefix"[0-9]*
}

# Burst of a token bucket: 1 ms at the rate, and never below 16 KiB. A larger bucket lets a whole small
# message through at the speed of memory after a pause (a 64 KiB all-reduce would not see the link at
# all); tbf cuts a segmentation-offload packet larger than the bucket into MTU-sized ones itself.
burst_bytes() {
  local rate=$1 bits_per_second
  bits_per_second=$(tc_rate_in_bits "$rate")
  local burst=$((bits_per_second / 8 / 1000))
  ((burst < 16384)) && burst=16384
  echo "$burst"
}

tc_rate_in_bits() {
  local rate=${1,,}
  local number=${rate%%[a-z]*} unit=${rate##*[0-9.]}
  case $unit in
    gbit) awk -v n="$number" 'BEGIN{printf "%d", n * 1e9}' ;;
    mbit) awk -v n="$number" 'BEGIN{printf "%d", n * 1e6}' ;;
    kbit) awk -v n="$number" 'BEGIN{printf "%d", n * 1e3}' ;;
    bit | "") awk -v n="$number" 'BEGIN{printf "%d", n}' ;;
    *) echo "emulated_hosts.sh: rate '$1' is not in bit/kbit/mbit/gbit (e.g. 100mbit)" >&2; exit 2 ;;
  esac
}

netem_available() {
  # A throwaway dummy device: the answer must not depend on, or disturb, the links being built.
  local probe=tbnetemprobe available=1
  ip link add "$probe" type dummy 2> /dev/null || ip link add "$probe" type bridge
  tc qdisc add dev "$probe" root netem delay 1ms 2> /dev/null || available=0
  ip link delete "$probe"
  [[ $available -eq 1 ]]
}

# One end of a link: with a delay, netem holds the packets and a tbf below it paces them; without one, the
# tbf alone. $1: namespace ("" for the root namespace), $2: device.
shape() {
  local namespace=$1 device=$2 rate=$3 delay_ms=$4 burst
  burst=$(burst_bytes "$rate")
  local in_namespace=()
  [[ -n $namespace ]] && in_namespace=(ip netns exec "$namespace")
  if [[ -n $delay_ms ]]; then
    "${in_namespace[@]}" tc qdisc replace dev "$device" root handle 1: netem delay "${delay_ms}ms"
    "${in_namespace[@]}" tc qdisc add dev "$device" parent 1: handle 2: tbf rate "$rate" burst "$burst" latency 200ms
  else
    "${in_namespace[@]}" tc qdisc replace dev "$device" root tbf rate "$rate" burst "$burst" latency 200ms
  fi
}

up() {
  local host_count=$1 rate=$2 delay_ms=${3:-}
  [[ $host_count =~ ^[0-9]+$ && $host_count -ge 1 && $host_count -le 250 ]] || {
    echo "emulated_hosts.sh: N_HOSTS must be a whole number from 1 to 250, not '$host_count'" >&2
    exit 2
  }
  tc_rate_in_bits "$rate" > /dev/null
  if [[ -n $delay_ms && ! $delay_ms =~ ^[0-9]+([.][0-9]+)?$ ]]; then
    echo "emulated_hosts.sh: DELAY_MS must be a number of milliseconds, not '$delay_ms'" >&2
    exit 2
  fi
  down

  local delay_for_links=""
  if netem_available; then
    echo "netem: available${delay_ms:+, each link end delays by $delay_ms ms (a host-to-host round trip crosses four ends)}"
    delay_for_links=$delay_ms
  else
    echo "netem: NOT available in this kernel (no sch_netem); the links are rate-limited only, with no added delay${delay_ms:+ (the requested $delay_ms ms is NOT applied)}"
  fi

  ip link add "$bridge" type bridge
  ip address add "$bridge_address/24" dev "$bridge"
  ip link set "$bridge" up
  local i namespace root_end
  for ((i = 1; i <= host_count; i++)); do
    namespace=$namespace_prefix$i
    root_end=tbveth$i
    ip netns add "$namespace"
    ip link add "$root_end" type veth peer name eth0 netns "$namespace"
    ip link set "$root_end" master "$bridge"
    ip link set "$root_end" up
    ip netns exec "$namespace" ip link set lo up
    ip netns exec "$namespace" ip address add "$subnet_prefix.$i/24" dev eth0
    ip netns exec "$namespace" ip link set eth0 up
    ip netns exec "$namespace" ip route add default via "$bridge_address"
    shape "$namespace" eth0 "$rate" "$delay_for_links"
    shape "" "$root_end" "$rate" "$delay_for_links"
    printf '%s\t%s\t%s\n' "$subnet_prefix.$i" "$namespace" "$hosts_marker" >> /etc/hosts
  done
  echo "up: $host_count host(s) ${namespace_prefix}1..${namespace_prefix}$host_count on $subnet_prefix.0/24" \
       "(bridge $bridge $bridge_address), every link $rate each way"
}

status() {
  local namespaces
  namespaces=$(emulated_namespaces)
  if [[ -z $namespaces ]]; then
    echo "no emulated hosts"
    return 0
  fi
  local namespace
  for namespace in $namespaces; do
    echo "$namespace: $(ip netns exec "$namespace" ip -o -4 address show dev eth0 | awk '{print $4}');" \
         "$(ip netns exec "$namespace" tc qdisc show dev eth0 | tr '\n' ' ')"
  done
  grep -F "$hosts_marker" /etc/hosts || true
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case $command in
  up) [[ $# -ge 2 && $# -le 3 ]] || usage; require_root; up "$@" ;;
  down) [[ $# -eq 0 ]] || usage; require_root; down; echo "down: no emulated hosts left" ;;
  status) require_root; status ;;
  bits-per-second) [[ $# -eq 1 ]] || usage; tc_rate_in_bits "$1"; echo ;;
  *) usage ;;
esac
