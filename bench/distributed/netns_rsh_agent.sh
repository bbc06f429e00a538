#!/usr/bin/env bash
# Open MPI's remote shell for emulated hosts: mpirun starts its daemon on each host of the hostfile with
# `AGENT [OPTIONS] HOST COMMAND...`, as it would with ssh; here HOST is a network namespace made by
# emulated_hosts.sh, and the command runs inside it.
#
#   mpirun --mca plm_rsh_agent bench/distributed/netns_rsh_agent.sh --hostfile HOSTS ...
#
# TRAINBENCH_HOST is set to the namespace's name, so that a rank reports the emulated host it runs on
# (fleet.devices[].host names tbh1, tbh2...) rather than the machine's one name. With
# TRAINBENCH_CORES_OF_<HOST> set (a taskset list such as 0 or 0-1), everything started on HOST is held to
# those cores, so that emulated hosts do not take each other's cores.
set -euo pipefail

# ssh-style options that mpirun may put before the host; none of them means anything here.
while [[ $# -gt 0 && $1 == -* ]]; do shift; done
if [[ $# -lt 2 ]]; then
  echo "netns_rsh_agent.sh: expected HOST COMMAND..., got '$*'" >&2
  exit 2
fi
host=$1
shift
if ! ip netns list | awk '{print $1}' | grep -qxF "$host"; then
  echo "netns_rsh_agent.sh: no network namespace '$host' (bring the hosts up with emulated_hosts.sh up N RATE)" >&2
  exit 1
fi

cores_variable=TRAINBENCH_CORES_OF_${host//[^A-Za-z0-9_]/_}
pin=()
if [[ -n ${!cores_variable:-} ]]; then pin=(taskset -c "${!cores_variable}"); fi

# A host of its own has a /tmp of its own. Open MPI names its session directory after the host name, which
# every namespace shares with the machine: without this, the daemons of two emulated hosts write the same
# session files (the hwloc topology, PMIx's store) and one of them crashes now and then (a segmentation
# fault in hwloc_shmem_topology_write).
private_tmp=/tmp/trainbench-netns-$host
mkdir -p "$private_tmp"

# Like ssh, the remote side gets one command line for a shell: mpirun's daemon command is written for one
# (it sets PATH and LD_LIBRARY_PATH with `;`-separated assignments and quotes its own arguments).
exec ip netns exec "$host" env TRAINBENCH_HOST="$host" TMPDIR="$private_tmp" "${pin[@]}" /bin/sh -c "$*"
