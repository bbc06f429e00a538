#include "storage/sqlite_connection.h"

#include <sqlite3.h>

#include <string>
#include <utility>

#include "storage/sqlite_error.h"
#include "storage/sqlite_statement.h"

namespace tb::storage {
namespace {

// Long enough to outlast any write transaction of the store (they are kept to milliseconds) and a
// checkpoint, short enough that a truly stuck lock is reported rather than hanging the program.
constexpr int busy_timeout_ms = 10'000;

// SQLite takes the immutable flag only in a URI; the path's characters that a URI gives a meaning
// ('?', '#', '%') and everything outside printable ASCII are percent-encoded.
std::string immutable_file_uri(const std::filesystem::path& path) {
    static constexpr char hex_digits[] = "0123456789ABCDEF";
    std::string uri = "file:";
    for (const char character : path.string()) {
        const auto byte = static_cast<unsigned char>(character);
        if (byte == '?' || byte == '#' || byte == '%' || byte <= 0x20 || byte >= 0x7f) {
            uri += '%';
            uri += hex_digits[byte >> 4];
            uri += hex_digits[byte & 0x0f];
        } else {
            uri += character;
        }
    }
    return uri + "?immutable=1";
}

}  // namespace

SqliteConnection::SqliteConnection(std::filesystem::path path, ConnectionAccess access) : path_(std::move(path)) {
    const int flags = access == ConnectionAccess::read_write  ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                      : access == ConnectionAccess::read_only ? SQLITE_OPEN_READONLY
                                                              : SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    const std::string name = access == ConnectionAccess::read_only_immutable ? immutable_file_uri(path_) : path_.string();
    // Extended codes tell SQLITE_IOERR_WRITE from SQLITE_IOERR_READ in the messages. NOMUTEX: a connection
    // is used by one thread at a time (the store's owner, or a sink's storage thread), so SQLite's
    // per-call locking would only cost time, about a fifth of it when reading series.
    const int result =
        sqlite3_open_v2(name.c_str(), &handle_, flags | SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (result != SQLITE_OK) {
        // A handle is returned even on failure and carries the error text; close it after reading.
        sqlite3* failed = std::exchange(handle_, nullptr);
        try {
            throw_sqlite_error(failed, result, path_, "open the file");
        } catch (...) {
            sqlite3_close_v2(failed);
            throw;
        }
    }
    sqlite3_extended_result_codes(handle_, 1);
    sqlite3_busy_timeout(handle_, busy_timeout_ms);
}

SqliteConnection::~SqliteConnection() { close(); }

SqliteConnection::SqliteConnection(SqliteConnection&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), path_(std::move(other.path_)) {}

SqliteConnection& SqliteConnection::operator=(SqliteConnection&& other) noexcept {
    if (this != &other) {
        close();
        handle_ = std::exchange(other.handle_, nullptr);
        path_ = std::move(other.path_);
    }
    return *this;
}

void SqliteConnection::close() noexcept {
    // close_v2 defers the close until every statement is finalized, so destruction order of a
    // connection and its statements never leaks the handle.
    if (handle_ != nullptr) sqlite3_close_v2(std::exchange(handle_, nullptr));
}

void SqliteConnection::execute(const std::string& sql, std::string_view action) {
    const int result = sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, nullptr);
    if (result != SQLITE_OK) fail(result, action);
}

std::int64_t SqliteConnection::query_integer(const std::string& sql, std::string_view action) {
    SqliteStatement statement(*this, sql, action);
    if (!statement.step()) fail(SQLITE_MISUSE, action);
    return statement.column_int64(0);
}

std::string SqliteConnection::query_text(const std::string& sql, std::string_view action) {
    SqliteStatement statement(*this, sql, action);
    if (!statement.step()) fail(SQLITE_MISUSE, action);
    return statement.column_text(0);
}

bool SqliteConnection::opened_read_only() const { return sqlite3_db_readonly(handle_, "main") == 1; }

std::int64_t SqliteConnection::last_insert_rowid() const { return sqlite3_last_insert_rowid(handle_); }

std::int64_t SqliteConnection::changes() const { return sqlite3_changes64(handle_); }

void SqliteConnection::fail(int result_code, std::string_view action) const {
    throw_sqlite_error(handle_, result_code, path_, action);
}

}  // namespace tb::storage
