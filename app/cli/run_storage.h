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

#include "core/session/events.h"
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
    std::int64_t run_id() const;
    std::string database_path() const { return path_.string(); }

private:
    class StoppingSink;
    struct State;
    std::filesystem::path path_;
    std::unique_ptr<State> state_;
};

}  // namespace tb::cli
