#pragma once
// The run store as the CLI uses it: opens the database, records the run through a storage sink, and
// on finish waits until every row is committed (and reports a storage failure as an error).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/run/events.h"

namespace tb::cli {

class RunStorage {
public:
    // An empty path means the default location.
    explicit RunStorage(const std::string& database_path);
    ~RunStorage();

    EventSink& sink();
    void finish();  // throws when the store failed
    std::int64_t run_id() const;
    std::string database_path() const { return path_.string(); }

private:
    struct State;
    std::filesystem::path path_;
    std::unique_ptr<State> state_;
};

}  // namespace tb::cli
