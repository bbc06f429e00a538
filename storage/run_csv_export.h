#pragma once
// Exports one stored run for other tools: one CSV per table (metrics.csv, device_samples.csv, merges.csv,
// devices.csv, summaries.csv, traces.csv, matrix_snapshots.csv with one row per cell), the traces and
// matrix snapshots again as one JSON document (telemetry.json) and the run's config as config.json,
// into a folder.

#include <cstdint>
#include <filesystem>
#include <vector>

namespace tb::storage {

class RunStore;

// Creates the folder if needed, overwrites files of the same names, and answers the files written.
// Throws StorageError when there is no such run or a file cannot be written.
std::vector<std::filesystem::path> export_run_csv(RunStore& store, std::int64_t run_id,
                                                  const std::filesystem::path& folder);

}  // namespace tb::storage
