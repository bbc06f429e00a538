#pragma once
// The check that keeps a damaged store from being written to. SQLite notices a damaged page only when
// a statement reads it, and a run's rows go to the end of each table, so a store with one overwritten
// page can take a whole run (and report it stored) while its listing or the run itself can never be
// read back. PRAGMA quick_check reads every page once and checks each b-tree's structure (it skips
// comparing indexes with their tables, which integrity_check does at several times the cost), so its
// time grows with the file: bench/storage_bench measures it on a large store.

namespace tb::storage {

class SqliteConnection;

// Reads the whole file without writing anything. Throws StorageError naming the file, the first
// problems found and what to do, and saying that the file was left unchanged, when the check fails.
void require_intact_store(SqliteConnection& connection);

}  // namespace tb::storage
