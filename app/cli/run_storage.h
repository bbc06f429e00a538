#pragma once
// The run store as the CLI uses it: opens the database before the run starts (so that a store that
// cannot be written fails the command at once), records the run through a storage sink, and on finish
// waits until every row is committed.
//
// A storage failure during the run (a full disk) stops the run: the next event the engine reports
// throws the StorageError, which the engine turns into a failed run, and finish() throws it again for
// the CLI to print. Training on for an hour into a store that records nothing helps no one.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/session/events.h"
#include "core/session/run_config.h"
#include "core/session/run_summary.h"
#include "storage/run_store.h"

namespace tb::cli {

class RunStorage {
public:
    // An empty path means the default location. Throws StorageError when the store cannot be opened
    // for writing.
    explicit RunStorage(const std::string& database_path, storage::RunStoreOptions options = {});
    ~RunStorage();

    RunStorage(const RunStorage&) = delete;
    RunStorage& operator=(const RunStorage&) = delete;

    EventSink& sink();
    void finish();  // throws when the store failed
    // Tags the recorded run (after finish), through the store this object already holds.
    void add_tags(const std::vector<std::string>& tags);
    std::int64_t run_id() const;
    std::string database_path() const { return path_.string(); }

private:
    class StoppingSink;
    struct State;
    std::filesystem::path path_;
    std::unique_ptr<State> state_;
};

// Runs `config` and returns its summary: recorded in the store at `database_path` (empty: the default
// store) and tagged with `tags`, or, with `record` false, recorded nowhere. A store that failed during the
// run throws its StorageError afterwards. What a study's front end does for each of its runs.
RunSummary run_and_record(const RunConfig& config, bool record, const std::string& database_path,
                          const std::vector<std::string>& tags = {});

}  // namespace tb::cli
