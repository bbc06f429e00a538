#pragma once
// A device's speed factor over run-clock time (core/session/speed_variation.h): the executors multiply
// the device's speed by factor_at(t) for a work item that starts at t. Deterministic per seed; the
// random walk is drawn lazily, one step at a time, so a long run costs only the steps it reaches.

#include <filesystem>
#include <utility>
#include <vector>

#include "core/random/random_stream.h"
#include "core/session/speed_variation.h"

namespace tb {

class SpeedSchedule {
public:
    // A trace file is read here, relative to config_folder; a malformed one throws DataError naming the
    // file and line.
    SpeedSchedule(const SpeedVariation& variation, const std::filesystem::path& config_folder);

    double factor_at(double t);

private:
    double walk_factor_at(double t);
    double throttle_factor_at(double t) const;
    double trace_factor_at(double t) const;

    SpeedVariation variation_;
    RandomStream random_;
    std::vector<double> walk_log_factors_;             // the walk's log factor in step k
    std::vector<std::pair<double, double>> trace_;     // (from t_s, factor), t ascending from 0
};

// Reads a "t_s,factor" file: '#' comments and blank lines skipped, times strictly ascending from 0,
// factors positive and finite.
std::vector<std::pair<double, double>> read_speed_trace(const std::filesystem::path& file);

}  // namespace tb
