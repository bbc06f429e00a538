#include "storage/run_deletion.h"

#include <string>

#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "storage/run_writer_lock.h"
#include "storage/storage_error.h"
#include "storage/write_transaction.h"

namespace tb::storage {
namespace {

// Every table keyed by run (see schema.cpp). The store declares no foreign keys: checking one on each
// inserted metric row would slow the writer for the sake of this one operation.
constexpr const char* tables_with_run_rows[] = {"metrics", "device_samples",   "merges",   "logs",     "summaries",
                                                "devices", "traces", "matrix_snapshots", "run_tags", "run_notes"};

}  // namespace

void delete_run(RunStore& store, std::int64_t run_id) {
    require_run(store, run_id);
    if (run_has_live_writer(store.path(), run_id)) {
        throw StorageError("Run store '" + store.path().string() + "': run " + std::to_string(run_id) +
                           " is still being recorded by a running program; stop that run before deleting it.");
    }
    WriteTransaction transaction(store.connection(), "delete the run");
    for (const char* table : tables_with_run_rows) {
        store.connection().execute(std::string("DELETE FROM ") + table + " WHERE run = " + std::to_string(run_id),
                                   "delete the run");
    }
    store.connection().execute("DELETE FROM runs WHERE id = " + std::to_string(run_id), "delete the run");
    transaction.commit();
}

}  // namespace tb::storage
