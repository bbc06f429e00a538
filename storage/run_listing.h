#pragma once
// Listing the stored runs, filtered and sorted, for the workbench's run table and `trainbench-cli runs list`.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tb::storage {

class RunStore;

// One row of the runs table, without the config (load_run has it).
struct RunRecord {
    std::int64_t id = 0;
    std::string name;
    std::string method;
    std::string dataset;
    std::string status;  // one of stored_run_statuses (run_status_names.h)
    double created_unix_s = 0;
    double started_unix_s = 0;
    std::optional<double> finished_unix_s;
    double run_clock_s = 0;   // training and communication time reached
    double wall_clock_s = 0;  // wall seconds since the start reached
    std::string host;
    std::string backend;
    std::string error;
    std::vector<std::string> tags;  // sorted (run_annotations.h)
};

enum class RunSortKey { created, name, method, dataset, status, duration };

struct RunFilter {
    std::string method;         // exact method kind; empty: any
    std::string dataset;        // text the data set label contains, any case; empty: any
    std::string status;         // exact status; empty: any
    std::string name_contains;  // text the run name contains, any case; empty: any
    std::string tag;            // a tag the run has, exactly; empty: any
    RunSortKey sort_by = RunSortKey::created;
    bool descending = true;     // newest first by default
    std::optional<std::int64_t> limit;
};

std::vector<RunRecord> list_runs(RunStore& store, const RunFilter& filter = {});

// The run with this id, or nothing.
std::optional<RunRecord> find_run(RunStore& store, std::int64_t run_id);

// Like find_run, but a missing run is a StorageError that says so.
RunRecord require_run(RunStore& store, std::int64_t run_id);

}  // namespace tb::storage
