#include "core/data/regular_file_check.h"

#include <string>
#include <system_error>

#include "core/errors.h"

namespace tb {

namespace fs = std::filesystem;

namespace {

const char* kind_of(fs::file_type type) {
    switch (type) {
        case fs::file_type::directory: return "a folder";
        case fs::file_type::fifo: return "a named pipe (FIFO)";
        case fs::file_type::socket: return "a socket";
        case fs::file_type::block: return "a block device";
        case fs::file_type::character: return "a character device";
        default: return "not a regular file";
    }
}

}  // namespace

void require_regular_file(const fs::path& file) {
    std::error_code error;
    const fs::file_status status = fs::status(file, error);
    if (status.type() == fs::file_type::not_found) throw DataError("data file not found: " + file.string());
    if (error) throw DataError(file.string() + ": cannot read its status: " + error.message());
    if (status.type() == fs::file_type::regular) return;
    throw DataError(file.string() + " is " + kind_of(status.type()) +
                    ", not a regular file: data files are read whole, and reading this could block the run or "
                    "fail midway; copy the data into a file and name that file instead");
}

}  // namespace tb
