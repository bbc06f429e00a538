#pragma once
// The one error type of the run store. Its message names the database file, says what failed and what
// the user can do about it; the CLI prints it, the GUI shows it, a run that cannot be recorded fails with it.

#include <stdexcept>
#include <string>

namespace tb {

class StorageError : public std::runtime_error {
public:
    // sqlite_code: the SQLite extended result code behind the failure, 0 when SQLite was not involved.
    explicit StorageError(const std::string& message, int sqlite_code = 0)
        : std::runtime_error(message), sqlite_code_(sqlite_code) {}

    int sqlite_code() const { return sqlite_code_; }

private:
    int sqlite_code_;
};

}  // namespace tb
