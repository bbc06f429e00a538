#pragma once
// Comparing stored runs on one metric: a table (final and best value, when the best came, time to
// target, duration), the series aligned on a common x so that they can be plotted or differenced
// point by point, and the config keys that differ between the runs.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/config_differences.h"
#include "storage/metric_summary.h"
#include "storage/run_listing.h"

namespace tb::storage {

class RunStore;

enum class ComparisonAxis { run_clock, wall_clock, epoch, samples };

struct ComparisonOptions {
    // Empty: the target metric of the first run that has one, else the first metric every run has.
    std::string metric;
    // Empty: the runs' own target for this metric; the most demanding one when they differ.
    std::optional<double> target;
    ComparisonAxis axis = ComparisonAxis::run_clock;
    std::size_t aligned_points = 500;
};

struct ComparedRun {
    RunRecord run;
    // The metric's summary computed over the run's full series against the comparison's target:
    // last (final), best, best_t, time_to_target. points is 0 for a run without this metric.
    MetricSummary summary;
};

// x is shared by all runs; values[r][i] is run r's value at x[i], linearly interpolated between its
// stored points, NaN outside the range the run covers.
struct AlignedSeries {
    ComparisonAxis axis = ComparisonAxis::run_clock;
    std::vector<double> x;
    std::vector<std::vector<double>> values;
};

struct RunComparison {
    std::string metric;
    std::optional<double> target;
    std::string target_note;  // set when the runs' targets differ and one was chosen for all
    bool lower_is_better = false;
    std::vector<ComparedRun> runs;  // in the order asked
    AlignedSeries aligned;
    std::vector<ConfigDifference> config_differences;  // values in the order of `runs`
};

// Throws StorageError when a run does not exist, no metric can be chosen, or none of the runs recorded
// the metric asked for (the message lists the metrics they did record).
RunComparison compare_runs(RunStore& store, const std::vector<std::int64_t>& run_ids,
                           const ComparisonOptions& options = {});

}  // namespace tb::storage
