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

// What an export does with files of the same names already in its folder: another run's export, or
// files of the user's that happen to share a name.
enum class ExistingExportFiles { refuse, overwrite };

// Creates the folder if needed and answers the files written. Throws StorageError when there is no such
// run, when a file cannot be written, or (refuse) when any of the files already exists; that check comes
// before anything is written, and the message names every such file.
std::vector<std::filesystem::path> export_run_csv(RunStore& store, std::int64_t run_id,
                                                  const std::filesystem::path& folder,
                                                  ExistingExportFiles existing = ExistingExportFiles::refuse);

}  // namespace tb::storage
