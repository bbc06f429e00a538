#include "storage/sqlite_statement.h"

#include <sqlite3.h>

#include <limits>
#include <utility>

#include "storage/sqlite_connection.h"

namespace tb::storage {

SqliteStatement::SqliteStatement(SqliteConnection& connection, std::string_view sql, std::string_view action)
    : connection_(&connection), action_(action) {
    const int result = sqlite3_prepare_v3(connection.handle(), sql.data(), static_cast<int>(sql.size()),
                                          SQLITE_PREPARE_PERSISTENT, &statement_, nullptr);
    if (result != SQLITE_OK) fail(result);
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)),
      connection_(other.connection_),
      action_(std::move(other.action_)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(statement_);
        statement_ = std::exchange(other.statement_, nullptr);
        connection_ = other.connection_;
        action_ = std::move(other.action_);
    }
    return *this;
}

SqliteStatement& SqliteStatement::bind_real(int index, double value) {
    const int result = sqlite3_bind_double(statement_, index, value);
    if (result != SQLITE_OK) fail(result);
    return *this;
}

SqliteStatement& SqliteStatement::bind_integer(int index, std::int64_t value) {
    const int result = sqlite3_bind_int64(statement_, index, value);
    if (result != SQLITE_OK) fail(result);
    return *this;
}

SqliteStatement& SqliteStatement::bind_text(int index, std::string_view value) {
    // SQLITE_TRANSIENT: SQLite copies the text, so the caller's string may go away before step().
    const int result = sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (result != SQLITE_OK) fail(result);
    return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
    const int result = sqlite3_bind_null(statement_, index);
    if (result != SQLITE_OK) fail(result);
    return *this;
}

bool SqliteStatement::step() {
    const int result = sqlite3_step(statement_);
    if (result == SQLITE_ROW) return true;
    if (result == SQLITE_DONE) return false;
    // Read the error text first, then reset, so that the statement can run again after the caller
    // handled the error (a rolled back batch).
    try {
        fail(result);
    } catch (...) {
        sqlite3_reset(statement_);
        throw;
    }
}

void SqliteStatement::run() {
    while (step()) {
    }
    reset();
}

void SqliteStatement::reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

double SqliteStatement::column_real(int index) const {
    if (sqlite3_column_type(statement_, index) == SQLITE_NULL) return std::numeric_limits<double>::quiet_NaN();
    return sqlite3_column_double(statement_, index);
}

double SqliteStatement::column_double(int index) const { return sqlite3_column_double(statement_, index); }

std::int64_t SqliteStatement::column_int64(int index) const { return sqlite3_column_int64(statement_, index); }

std::string SqliteStatement::column_text(int index) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, index));
    if (text == nullptr) return {};
    return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, index)));
}

bool SqliteStatement::column_is_null(int index) const {
    return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

void SqliteStatement::fail(int result_code) const { connection_->fail(result_code, action_); }

}  // namespace tb::storage
