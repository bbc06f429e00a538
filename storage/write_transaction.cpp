#include "storage/write_transaction.h"

#include <sqlite3.h>

#include "storage/sqlite_connection.h"

namespace tb::storage {

WriteTransaction::WriteTransaction(SqliteConnection& connection, std::string_view action)
    : connection_(connection), action_(action) {
    connection_.execute("BEGIN IMMEDIATE", action_);
}

WriteTransaction::~WriteTransaction() {
    // After some errors (SQLITE_FULL, SQLITE_IOERR) SQLite has already rolled back on its own; a ROLLBACK
    // then fails harmlessly, so only roll back a transaction that is still open.
    if (open_ && sqlite3_get_autocommit(connection_.handle()) == 0) {
        sqlite3_exec(connection_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void WriteTransaction::commit() {
    connection_.execute("COMMIT", action_);
    open_ = false;
}

}  // namespace tb::storage
