#pragma once
// A write transaction that rolls back unless committed. It starts with BEGIN IMMEDIATE: the write lock
// is taken up front (waiting out the busy timeout if another writer holds it), so a transaction never
// fails half-way with SQLITE_BUSY because a reader-turned-writer lost a race.

#include <string>
#include <string_view>

namespace tb::storage {

class SqliteConnection;

class WriteTransaction {
public:
    WriteTransaction(SqliteConnection& connection, std::string_view action);
    ~WriteTransaction();

    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;

    void commit();

private:
    SqliteConnection& connection_;
    std::string action_;
    bool open_ = true;
};

}  // namespace tb::storage
