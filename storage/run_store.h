#pragma once
// The run store: one SQLite file holding every recorded run. Opening it checks the file before writing
// anything (a file that is not a Trainbench store, or one from a newer build, is reported and left
// unchanged), switches it to WAL so that readers and the writer never block each other, migrates the
// schema, and marks runs whose writer is gone as `interrupted`.
//
// A RunStore and its connection belong to the thread that opened it, like a QSqlDatabase. A StorageSink
// opens its own connection for its storage thread; queries (run_listing.h, series_loading.h,
// run_comparison.h, ...) take the store.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "storage/sqlite_connection.h"

namespace tb::storage {

// When a store opened for writing checks its pages (store_integrity_check.h), which reads the whole file.
enum class IntegrityCheck {
    // When it opens: a store that records runs refuses a damaged file before a run trains.
    at_open,
    // Only before the first write (a schema migration, marking interrupted runs): opening a large store to
    // list or compare runs stays quick, and a damaged file is still never written to.
    before_writing,
};

struct RunStoreOptions {
    // A read-only store can be queried but records nothing; it is neither migrated nor recovered. One on
    // read-only media, in WAL mode, is read as immutable (the run store answers read_only_immutable then).
    ConnectionAccess access = ConnectionAccess::read_write;
    IntegrityCheck integrity_check = IntegrityCheck::at_open;
    // The store refuses to grow beyond about this many bytes: writes then fail as on a full disk.
    std::optional<std::int64_t> size_limit_bytes;
};

class RunStore {
public:
    // Opens or creates the store, creating missing folders. Throws StorageError naming the file.
    explicit RunStore(const std::filesystem::path& path, RunStoreOptions options = {});

    // For programs that only read: opens for writing where the file allows it (so that migrations run
    // and interrupted runs are marked), checking the pages only if it writes; else read-only (a store on
    // read-only media or of another user).
    static RunStore open_for_queries(const std::filesystem::path& path);

    const std::filesystem::path& path() const { return path_; }
    const RunStoreOptions& options() const { return options_; }

    SqliteConnection& connection() { return connection_; }

    // Another connection to the same file, configured like this one, for a thread of its own.
    SqliteConnection open_connection() const;

    // Marks runs still `running` whose writer is gone as `interrupted` and answers their ids. Done when
    // the store opens; a long-lived program (the workbench) calls it again before listing runs.
    std::vector<std::int64_t> mark_interrupted_runs();

private:
    void configure(SqliteConnection& connection) const;
    int open_read_only();
    // Runs the integrity check once, before the first write when the options defer it.
    void require_intact_before_writing();

    std::filesystem::path path_;
    RunStoreOptions options_;
    SqliteConnection connection_;
    bool checked_intact_ = false;
};

}  // namespace tb::storage
