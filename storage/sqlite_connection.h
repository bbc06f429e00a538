#pragma once
// One owned connection to the store's SQLite file. It waits (busy timeout) instead of failing while
// another connection holds a lock, so concurrent readers and writers never see "database is locked",
// and every failure is thrown as a StorageError that names the file.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

struct sqlite3;

namespace tb::storage {

enum class ConnectionAccess {
    read_write,
    read_only,
    // Reads the file as it is, without the -wal and -shm files that WAL mode otherwise needs even for
    // reading: for a store on read-only media, where they cannot be created and no writer can be at work.
    read_only_immutable,
};

class SqliteConnection {
public:
    // Opens (read_write also creates) the file. Nothing is read or written yet: SQLite reads the header
    // on the first statement, so a file that is not a database is reported by that statement.
    SqliteConnection(std::filesystem::path path, ConnectionAccess access);
    ~SqliteConnection();

    SqliteConnection(SqliteConnection&& other) noexcept;
    SqliteConnection& operator=(SqliteConnection&& other) noexcept;
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    sqlite3* handle() const { return handle_; }
    const std::filesystem::path& path() const { return path_; }

    // Runs statements that return no rows (schema, pragmas, BEGIN/COMMIT).
    void execute(const std::string& sql, std::string_view action);
    // Runs a statement that returns one integer (PRAGMA user_version, SELECT count(*)).
    std::int64_t query_integer(const std::string& sql, std::string_view action);
    // Runs a statement that returns one text value (PRAGMA journal_mode=WAL answers the mode it is in).
    std::string query_text(const std::string& sql, std::string_view action);

    // True when SQLite could only open the file for reading, although writing was asked for (the file or
    // its folder cannot be written): SQLite then falls back to read-only without an error.
    bool opened_read_only() const;

    std::int64_t last_insert_rowid() const;
    // Rows changed by the most recent INSERT, UPDATE or DELETE.
    std::int64_t changes() const;

    [[noreturn]] void fail(int result_code, std::string_view action) const;

private:
    void close() noexcept;

    sqlite3* handle_ = nullptr;
    std::filesystem::path path_;
};

}  // namespace tb::storage
