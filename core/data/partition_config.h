#pragma once
// The `dataset.partition` section of a run config: how the training set is split across the workers of
// a decentralized fleet, each worker then drawing its batches only from its own part.
//   {"kind": "iid"}                                    a shuffled, equal split (the default)
//   {"kind": "dirichlet", "alpha": 0.1, "seed": 1}     per-class Dirichlet(alpha) shares (non-IID): small
//                                                      alpha gives each worker few classes
//   "equal_sizes": true (dirichlet, the default)       the dealt rows, in worker order, cut into equal
//                                                      slices, as the authors' partitioner does
// Methods whose workers share one pass over the whole training set reject any split but iid
// (MethodEntry::worker_data).

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"

namespace tb {

struct PartitionConfig {
    std::string kind = "iid";
    double alpha = 1.0;      // dirichlet
    std::int64_t seed = 1;   // both: which shuffle and which draws
    bool equal_sizes = true; // dirichlet: equal-size slices of the dealt rows (false: the dealt parts as drawn)
};

PartitionConfig parse_partition_config(ConfigReader reader);
nlohmann::json to_json(const PartitionConfig& config);

}  // namespace tb
