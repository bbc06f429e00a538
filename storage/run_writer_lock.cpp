#include "storage/run_writer_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "storage/storage_error.h"

namespace tb::storage {
namespace {

struct flock byte_of_run(std::int64_t run_id, short lock_type) {
    struct flock region {};
    region.l_type = lock_type;
    region.l_whence = SEEK_SET;
    region.l_start = static_cast<off_t>(run_id);
    region.l_len = 1;
    region.l_pid = 0;  // OFD locks require 0 here
    return region;
}

}  // namespace

std::filesystem::path writer_lock_file_path(const std::filesystem::path& database) {
    return std::filesystem::path(database.string() + "-writers");
}

RunWriterLock::RunWriterLock(const std::filesystem::path& database, std::int64_t run_id) {
    const std::filesystem::path lock_path = writer_lock_file_path(database);
    file_descriptor_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (file_descriptor_ < 0) {
        throw StorageError("Run store '" + database.string() + "': could not create the writer lock file '" +
                           lock_path.string() + "': " + std::strerror(errno) +
                           ". Check that the folder can be written, or choose another file with --db.");
    }
    struct flock region = byte_of_run(run_id, F_WRLCK);
    if (::fcntl(file_descriptor_, F_OFD_SETLK, &region) != 0) {
        const int error = errno;
        ::close(file_descriptor_);
        throw StorageError("Run store '" + database.string() + "': could not lock run " + std::to_string(run_id) +
                           " for writing: " + std::strerror(error) + ".");
    }
}

RunWriterLock::~RunWriterLock() {
    // Closing the descriptor releases the lock.
    if (file_descriptor_ >= 0) ::close(file_descriptor_);
}

bool run_has_live_writer(const std::filesystem::path& database, std::int64_t run_id) {
    const int file_descriptor = ::open(writer_lock_file_path(database).c_str(), O_RDONLY | O_CLOEXEC);
    if (file_descriptor < 0) return false;
    struct flock region = byte_of_run(run_id, F_WRLCK);
    const int result = ::fcntl(file_descriptor, F_OFD_GETLK, &region);
    ::close(file_descriptor);
    // If the probe itself fails, assume a live writer: wrongly leaving a run `running` is harmless,
    // wrongly marking a live run `interrupted` is not.
    if (result != 0) return true;
    return region.l_type != F_UNLCK;
}

}  // namespace tb::storage
