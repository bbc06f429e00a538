#pragma once
// Deleting a stored run with all its rows.

#include <cstdint>

namespace tb::storage {

class RunStore;

// Throws StorageError when there is no such run, or when a live program is still recording it (stop
// that run first: deleting under its writer would leave orphan rows behind).
void delete_run(RunStore& store, std::int64_t run_id);

}  // namespace tb::storage
