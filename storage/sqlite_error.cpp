#include "storage/sqlite_error.h"

#include <sqlite3.h>

#include <string>

#include "storage/storage_error.h"

namespace tb::storage {
namespace {

// What a person can do about each kind of failure; keyed on the primary result code because the
// extended codes (SQLITE_IOERR_WRITE, ...) share their advice with it.
std::string_view advice_for(int primary_code) {
    switch (primary_code) {
        case SQLITE_FULL:
            return "The disk (or the store's size limit) is full: free some space or choose another file "
                   "with --db. Rows written before this point are kept.";
        case SQLITE_READONLY:
            return "The file or its folder cannot be written: check its permissions, or choose a writable "
                   "location with --db.";
        case SQLITE_CANTOPEN:
            return "Check that the folder exists and can be written, or choose another file with --db.";
        case SQLITE_NOTADB:
            return "The file is not an SQLite database. It was left unchanged; choose another file with --db.";
        case SQLITE_CORRUPT:
            // Not "left unchanged": this may be a write that found the damage half-way.
            return "The file is damaged: move it aside and choose another file with --db; `sqlite3 FILE .recover` "
                   "rescues the rows that remain readable.";
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return "Another program held a lock on the store for too long; try again when it is done.";
        case SQLITE_IOERR:
            return "The operating system reported a disk error: check the disk and the free space.";
        case SQLITE_PERM:
        case SQLITE_AUTH:
            return "Access was denied: check the file's permissions.";
        default:
            return "";
    }
}

}  // namespace

void throw_sqlite_error(sqlite3* database, int result_code, const std::filesystem::path& path,
                        std::string_view action) {
    // sqlite3_errmsg describes the most recent failure on this connection; without a handle the
    // generic text for the code is all there is.
    const std::string sqlite_text = database != nullptr ? sqlite3_errmsg(database) : sqlite3_errstr(result_code);
    std::string message = "Run store '" + path.string() + "': could not ";
    message += action;
    message += ": " + sqlite_text + ".";
    const std::string_view advice = advice_for(result_code & 0xff);
    if (!advice.empty()) {
        message += " ";
        message += advice;
    }
    throw StorageError(message, result_code);
}

}  // namespace tb::storage
