#include "app/cli/run_storage.h"

#include "storage/default_database_path.h"
#include "storage/run_store.h"
#include "storage/storage_sink.h"

namespace tb::cli {

struct RunStorage::State {
    explicit State(const std::filesystem::path& path) : store(path), sink(store) {}
    storage::RunStore store;
    storage::StorageSink sink;
};

RunStorage::RunStorage(const std::string& database_path)
    : path_(database_path.empty() ? storage::default_database_path() : std::filesystem::path(database_path)),
      state_(std::make_unique<State>(path_)) {}

RunStorage::~RunStorage() = default;

EventSink& RunStorage::sink() { return state_->sink; }

void RunStorage::finish() { state_->sink.close(); }

std::int64_t RunStorage::run_id() const { return state_->sink.run_id().value_or(-1); }

}  // namespace tb::cli
