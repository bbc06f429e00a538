#include "storage/run_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <system_error>

#include "storage/interrupted_runs.h"
#include "storage/schema.h"
#include "storage/storage_error.h"
#include "storage/store_integrity_check.h"

namespace tb::storage {
namespace {

// Resolves the path once, so that every process names the same file the same way (the writer lock
// file sits next to it) whatever its working folder, and creates missing folders for a new store.
std::filesystem::path prepare_location(const std::filesystem::path& path, ConnectionAccess access) {
    std::error_code error;
    std::filesystem::path resolved = std::filesystem::weakly_canonical(std::filesystem::absolute(path), error);
    if (error) resolved = std::filesystem::absolute(path);
    if (access == ConnectionAccess::read_write && resolved.has_parent_path()) {
        std::filesystem::create_directories(resolved.parent_path(), error);
        if (error) {
            throw StorageError("Run store '" + resolved.string() + "': could not create the folder '" +
                               resolved.parent_path().string() + "': " + error.message() +
                               ". Choose a writable location with --db.");
        }
    }
    return resolved;
}

}  // namespace

RunStore::RunStore(const std::filesystem::path& path, RunStoreOptions options)
    : path_(prepare_location(path, options.access)),
      options_(options),
      connection_(path_, options.access) {
    if (options_.access != ConnectionAccess::read_write) {
        const int version = open_read_only();
        if (version < oldest_schema_read_in_place) {
            throw StorageError("Run store '" + path_.string() + "': its schema (version " + std::to_string(version) +
                               ") must be upgraded to version " + std::to_string(current_schema_version) +
                               " before it can be read; open it once for writing.");
        }
        configure(connection_);
        return;
    }
    const int version = check_store_file(connection_);
    // Refused here, before a run starts, rather than at its first write: a run that cannot be recorded
    // should not train for an hour first.
    if (connection_.opened_read_only()) {
        throw StorageError("Run store '" + path_.string() +
                           "': the file cannot be written (it or its folder is read-only). It was left unchanged; "
                           "check its permissions, or choose a writable location with --db.",
                           SQLITE_READONLY);
    }
    if (options_.integrity_check == IntegrityCheck::at_open) require_intact_before_writing();
    // WAL lets readers go on while the writer commits, and a killed writer leaves every committed
    // transaction readable. The mode is stored in the file, so later connections inherit it; asking
    // first keeps a store that is already in WAL mode from being written to here.
    if (connection_.query_text("PRAGMA journal_mode", "read the journal mode") != "wal") {
        require_intact_before_writing();
        const std::string journal_mode = connection_.query_text("PRAGMA journal_mode = WAL", "switch to WAL mode");
        if (journal_mode != "wal") {
            throw StorageError("Run store '" + path_.string() + "': could not switch to write-ahead logging (the file "
                               "system answered journal mode '" + journal_mode +
                               "'). Put the store on a local disk with --db.");
        }
    }
    configure(connection_);
    if (version < current_schema_version) {
        require_intact_before_writing();
        migrate_schema(connection_);
    }
    mark_interrupted_runs();
}

int RunStore::open_read_only() {
    try {
        return check_store_file(connection_);
    } catch (const StorageError& error) {
        const int code = error.sqlite_code() & 0xff;
        if (options_.access != ConnectionAccess::read_only || (code != SQLITE_READONLY && code != SQLITE_CANTOPEN)) {
            throw;
        }
        // A WAL-mode store is read through its -shm file, which SQLite creates next to the store; in a
        // folder that cannot be written it cannot. Without a -wal file every committed row is in the store
        // itself and no writer is at work (a writer keeps its -wal while it is open), so the file can be
        // read as it is.
        const std::filesystem::path write_ahead_log = path_.string() + "-wal";
        if (std::filesystem::exists(write_ahead_log)) {
            throw StorageError("Run store '" + path_.string() + "': it cannot be read here: its folder cannot be "
                               "written, and rows not yet moved into the store wait in '" + write_ahead_log.string() +
                               "', which SQLite reads only through a shared-memory file it must create in that "
                               "folder. Copy the store and its -wal file to a writable folder and open the copy.",
                               error.sqlite_code());
        }
    }
    connection_ = SqliteConnection(path_, ConnectionAccess::read_only_immutable);
    options_.access = ConnectionAccess::read_only_immutable;
    return check_store_file(connection_);
}

void RunStore::require_intact_before_writing() {
    if (checked_intact_) return;
    require_intact_store(connection_);
    checked_intact_ = true;
}

RunStore RunStore::open_for_queries(const std::filesystem::path& path) {
    RunStoreOptions for_queries;
    for_queries.integrity_check = IntegrityCheck::before_writing;
    try {
        return RunStore(path, for_queries);
    } catch (const StorageError& error) {
        const int code = error.sqlite_code() & 0xff;
        // The file or its folder cannot be written (SQLite answers READONLY when the file is read-only,
        // CANTOPEN when the folder is and the -shm file cannot be made): query it read-only.
        if (code != SQLITE_READONLY && code != SQLITE_CANTOPEN) throw;
    }
    RunStoreOptions read_only;
    read_only.access = ConnectionAccess::read_only;
    return RunStore(path, read_only);
}

SqliteConnection RunStore::open_connection() const {
    SqliteConnection connection(path_, options_.access);
    configure(connection);
    return connection;
}

std::vector<std::int64_t> RunStore::mark_interrupted_runs() {
    if (options_.access != ConnectionAccess::read_write) return {};
    const std::vector<std::int64_t> orphaned = find_runs_without_writer(connection_);
    if (orphaned.empty()) return {};
    require_intact_before_writing();
    return mark_runs_interrupted(connection_, orphaned);
}

void RunStore::configure(SqliteConnection& connection) const {
    // In WAL mode NORMAL syncs at checkpoints only: a committed transaction survives the process being
    // killed (it is in the WAL file), and only a power cut can lose the last few.
    connection.execute("PRAGMA synchronous = NORMAL", "configure the connection");
    // Reads through a memory map skip a copy per page; loading and comparing many long series is
    // mostly page reads. Writes still go through the WAL, so a writer is unaffected.
    connection.execute("PRAGMA mmap_size = 268435456", "configure the connection");
    if (options_.size_limit_bytes) {
        const std::int64_t page_size = connection.query_integer("PRAGMA page_size", "read the page size");
        const std::int64_t pages = std::max<std::int64_t>(1, *options_.size_limit_bytes / page_size);
        connection.query_integer("PRAGMA max_page_count = " + std::to_string(pages), "limit the store's size");
    }
}

}  // namespace tb::storage
