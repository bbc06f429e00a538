#pragma once
// How a reader knows whether a run marked `running` still has a live writer. The writer holds a lock on
// byte <run id> of the file "<database>-writers" for as long as it records the run. The lock is an
// open-file-description lock (F_OFD_SETLK): the kernel drops it when the writer's process ends, however
// it ends (kill -9 included), and it conflicts with probes from any other descriptor, even one in the
// same process. A reader that finds the byte unlocked knows the writer is gone; a run still being
// written is never taken for an interrupted one. Like SQLite's own WAL locking, this needs a local file
// system (not NFS).

#include <cstdint>
#include <filesystem>

namespace tb::storage {

std::filesystem::path writer_lock_file_path(const std::filesystem::path& database);

class RunWriterLock {
public:
    // Takes the lock for `run_id`; throws StorageError when the lock file cannot be created or another
    // writer already holds the run.
    RunWriterLock(const std::filesystem::path& database, std::int64_t run_id);
    ~RunWriterLock();

    RunWriterLock(const RunWriterLock&) = delete;
    RunWriterLock& operator=(const RunWriterLock&) = delete;

private:
    int file_descriptor_ = -1;
};

// True while some process holds the writer lock of `run_id`. Only probes: takes no lock and creates
// no file (a store whose lock file does not exist has no live writer).
bool run_has_live_writer(const std::filesystem::path& database, std::int64_t run_id);

}  // namespace tb::storage
