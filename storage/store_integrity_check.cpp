#include "storage/store_integrity_check.h"

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"
#include "storage/storage_error.h"

namespace tb::storage {
namespace {

// Enough problems to show what kind of damage it is; a wrecked file would report thousands.
constexpr int problems_shown = 3;

std::string damaged_store_message(const std::filesystem::path& path, const std::string& findings) {
    const std::string file = path.string();
    return "Run store '" + file + "' is damaged (SQLite's check of its pages found: " + findings +
           "). It was left unchanged, and nothing is recorded in it. Move it aside and run again to start a new "
           "store there, or choose another file with --db; runs that are still readable can be listed and "
           "exported from it with `trainbench-cli runs ... --db " + file + "`, and `sqlite3 " + file +
           " .recover` rescues the rows that remain.";
}

// quick_check opens its report with a line naming the schema ("*** in database main ***") and may put
// several findings in one row, one per line; the message wants them on one line.
std::string readable_problem(std::string text) {
    constexpr std::string_view schema_line = "*** in database main ***";
    if (text.starts_with(schema_line)) text.erase(0, schema_line.size());
    for (char& character : text) {
        if (character == '\n' || character == '\r') character = ' ';
    }
    const std::size_t first = text.find_first_not_of(' ');
    const std::size_t last = text.find_last_not_of(' ');
    return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

}  // namespace

void require_intact_store(SqliteConnection& connection) {
    std::vector<std::string> problems;
    try {
        SqliteStatement check(connection, "PRAGMA quick_check(" + std::to_string(problems_shown) + ")",
                              "check the file's pages");
        while (check.step()) {
            const std::string problem = readable_problem(check.column_text(0));
            if (!problem.empty()) problems.push_back(problem);
        }
    } catch (const StorageError& error) {
        // A page so damaged that the check itself cannot go on reading is the same finding.
        if ((error.sqlite_code() & 0xff) != SQLITE_CORRUPT && (error.sqlite_code() & 0xff) != SQLITE_NOTADB) throw;
        throw StorageError(damaged_store_message(connection.path(), sqlite3_errstr(error.sqlite_code())),
                           error.sqlite_code());
    }
    if (problems.size() == 1 && problems.front() == "ok") return;
    std::string findings;
    for (const std::string& problem : problems) {
        if (!findings.empty()) findings += "; ";
        findings += problem;
    }
    if (problems.size() >= problems_shown) findings += "; and possibly more";
    throw StorageError(damaged_store_message(connection.path(), findings), SQLITE_CORRUPT);
}

}  // namespace tb::storage
