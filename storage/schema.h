#pragma once
// The store's schema and its migrations. The schema version lives in PRAGMA user_version and the file is
// marked as a Trainbench store with PRAGMA application_id, so that the store never writes into a file it
// does not understand: another program's database, or one written by a newer Trainbench.

#include <cstdint>

namespace tb::storage {

class SqliteConnection;

inline constexpr int current_schema_version = 6;
// A read-only store (one that cannot be migrated) is read from this version on: version 5 only added the
// tables of tags and notes, which read as empty where they do not exist.
inline constexpr int oldest_schema_read_in_place = 4;
// "TBRS" (Trainbench run store) in ASCII, as the SQLite documentation suggests for application ids.
inline constexpr std::int32_t trainbench_application_id = 0x54425253;

// Reads the file's header and schema without writing anything. Throws StorageError, leaving the file as
// it was, when the file is not an SQLite database, is damaged, belongs to another program, or has a
// schema newer than this build understands. Returns the file's schema version (0 for a new, empty file).
int check_store_file(SqliteConnection& connection);

// Brings the schema to current_schema_version, one migration per version, each in its own transaction
// that re-reads the version so that two programs opening an old store at once migrate it once.
void migrate_schema(SqliteConnection& connection);

}  // namespace tb::storage
