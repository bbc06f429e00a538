#pragma once
// One synchronous gossip round over a topology: every worker replaces a vector it holds (its model, or
// a tracked gradient) by the weighted sum of its own and its neighbours' vectors, x_i <- sum_j W_ij x_j.
// Sums run in double precision on host copies, so any mix of backends gossips and the result does not
// depend on the order of the terms' arrival.
//
// On the simulated clock a round costs the slowest worker's exchanges: each worker sends its vector to
// each neighbour in turn, paying the link latency and the bytes over the slower link of the pair. A
// ring therefore costs two messages per worker per round however large the fleet, where an all-reduce's
// rounds grow with n.

#include <span>
#include <vector>

#include "core/session/fleet_config.h"
#include "core/topology/mixing_matrix.h"
#include "core/topology/topology.h"

namespace tb {

// The mixed vectors: result[i] = sum_j W_ij vectors[j]. All vectors must have one size. rows_to_mix, when
// given, says which rows to compute (the workers of this rank of a distributed run); the others come back
// empty, and only the vectors their rows read need to be there.
std::vector<std::vector<float>> gossip_mix(const MixingMatrix& mixing, const std::vector<std::vector<float>>& vectors,
                                           const std::vector<char>& rows_to_mix = {});

// Seconds one round takes when each worker sends `bytes` to every neighbour (devices indexed as the
// topology's nodes).
double simulated_gossip_seconds(std::span<const DeviceSpec> devices, const Topology& topology, double bytes);

}  // namespace tb
