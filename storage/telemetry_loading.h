#pragma once
// Loading a run's generic telemetry: its traces, grouped into series by panel and series name, and its
// matrix snapshots in the order they were taken. The workbench replays a stored run from these, and
// `runs export` writes them out.

#include <cstdint>
#include <string>
#include <vector>

#include "core/session/events.h"

namespace tb::storage {

class RunStore;

struct TracePoint {
    double x = 0;  // on the series' axis; the run clock when the axis is ''
    double t = 0;
    double wall_s = 0;
    double value = 0;  // NaN when the engine reported one
};

struct TraceSeries {
    std::string panel;
    std::string series;
    std::string x_axis;  // '' for the run clock
    std::vector<TracePoint> points;  // in the order they were recorded
};

struct StoredMatrixSnapshot {
    std::int64_t index = 0;  // snapshot number among those of the same name
    double t = 0;
    double wall_s = 0;
    MatrixSnapshot matrix;
};

// Sorted by panel, then series.
std::vector<TraceSeries> load_traces(RunStore& store, std::int64_t run_id);
// Sorted by time, then name.
std::vector<StoredMatrixSnapshot> load_matrix_snapshots(RunStore& store, std::int64_t run_id);

}  // namespace tb::storage
