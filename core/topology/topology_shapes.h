#pragma once
// The standard topologies of decentralized training, for n workers. Each throws std::invalid_argument
// with the reason when the shape does not exist for the given sizes.

#include <cstdint>

#include "core/topology/topology.h"

namespace tb {

// i -- i+1 (mod n). Two nodes form a single edge; one node has none.
Topology ring_topology(int nodes);
// A rows x cols grid with wrap-around in both directions (a 2-D torus); node r*cols + c. A side of
// length 2 has one link per pair (the wrap-around link would repeat it); a side of length 1 adds none.
Topology torus_topology(int rows, int cols);
// Every pair linked.
Topology complete_topology(int nodes);
// Node 0 linked to every other node.
Topology star_topology(int nodes);
// A random expander: the union of degree/2 random Hamiltonian cycles (repeated edges kept once), a
// construction whose spectral gap stays bounded away from zero as n grows with high probability
// (Friedman's theorem on random regular graphs). degree must be even and at least 2. Deterministic per seed.
Topology random_expander_topology(int nodes, int degree, std::uint64_t seed);

}  // namespace tb
