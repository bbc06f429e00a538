#pragma once
// A prepared statement, owned (finalized on destruction). The store prepares its statements once and
// runs them many times: binding and stepping a prepared INSERT is what makes batched writes fast.

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3_stmt;

namespace tb::storage {

class SqliteConnection;

class SqliteStatement {
public:
    // `action` is what the statement does for the user ("record metrics"); failures are reported with it.
    SqliteStatement(SqliteConnection& connection, std::string_view sql, std::string_view action);
    ~SqliteStatement();

    SqliteStatement(SqliteStatement&& other) noexcept;
    SqliteStatement& operator=(SqliteStatement&& other) noexcept;
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    // Parameters are numbered from 1, as in SQL. SQLite stores a NaN as NULL; column_real reads it back.
    SqliteStatement& bind_real(int index, double value);
    SqliteStatement& bind_integer(int index, std::int64_t value);
    SqliteStatement& bind_text(int index, std::string_view value);
    SqliteStatement& bind_null(int index);

    // True while a row is ready to be read; false when the statement is done.
    bool step();
    // Steps a statement that returns no rows, then makes it ready to be bound and run again.
    void run();
    // Makes the statement ready to run again with new bindings.
    void reset();

    // Columns are numbered from 0. column_real answers NaN for NULL (a stored NaN); column_double is for
    // columns declared NOT NULL and skips that check, which is a measurable share of loading a series.
    double column_real(int index) const;
    double column_double(int index) const;
    std::int64_t column_int64(int index) const;
    std::string column_text(int index) const;
    bool column_is_null(int index) const;

private:
    [[noreturn]] void fail(int result_code) const;

    sqlite3_stmt* statement_ = nullptr;
    SqliteConnection* connection_ = nullptr;
    std::string action_;
};

}  // namespace tb::storage
