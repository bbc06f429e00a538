#pragma once
// How a device's speed moves during a run, on top of its fixed `speed`: the heterogeneity dynamic
// scheduling is meant for is GPUs of one server running at different and shifting speeds (thermal and
// power throttling, other tenants), not only fixed ratios. The speed at run-clock time t is
// speed * factor(t); every kind is deterministic per seed.
//   {"kind": "constant"}                                         factor 1 (the default)
//   {"kind": "random_walk", "step_s": 1, "sigma": 0.1,           every step_s the log of the factor moves
//    "min_factor": 0.25, "max_factor": 1, "seed": 1}             by sigma * N(0, 1), reflected into bounds
//   {"kind": "throttle", "every_s": 10, "for_s": 2,              for for_s of every every_s seconds (from
//    "factor": 0.5, "offset_s": 0}                               offset_s) the device runs at `factor`
//   {"kind": "trace", "file": "speeds.csv"}                      a file of "t_s,factor" lines, the factor
//                                                                holding from each t_s to the next
// On the wall clock a factor above 1 cannot be emulated (a device cannot be made faster than it is); the
// wall executor caps speed * factor at 1 there.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/enum_names.h"

namespace tb {

enum class SpeedVariationKind { constant, random_walk, throttle, trace };
const EnumNames<SpeedVariationKind>& speed_variation_kind_names();

struct SpeedVariation {
    SpeedVariationKind kind = SpeedVariationKind::constant;
    // random_walk
    double step_s = 1.0;
    double sigma = 0.1;
    double min_factor = 0.25;
    double max_factor = 1.0;
    std::int64_t seed = 1;
    // throttle
    double every_s = 10.0;
    double for_s = 2.0;
    double factor = 0.5;
    double offset_s = 0.0;
    // trace: relative to the config file's folder
    std::string file;

    bool varies() const { return kind != SpeedVariationKind::constant; }
};

SpeedVariation parse_speed_variation(ConfigReader reader);
nlohmann::json to_json(const SpeedVariation& variation);

}  // namespace tb
