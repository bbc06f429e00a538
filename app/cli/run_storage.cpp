#include "app/cli/run_storage.h"

#include <variant>

#include "core/run/run_experiment.h"
#include "storage/default_database_path.h"
#include "storage/run_annotations.h"
#include "storage/storage_sink.h"

namespace tb::cli {

// Passes events to the storage sink and throws its failure back into the engine, which ends the run.
class RunStorage::StoppingSink final : public EventSink {
public:
    explicit StoppingSink(storage::StorageSink& sink) : sink_(sink) {}

    void on_event(const Event& event) override {
        // RunFinished passes: the engine sends it after catching the failure, and throwing again there
        // would lose the engine's own summary of the run. finish() reports the failure.
        if (!std::holds_alternative<RunFinished>(event.payload)) {
            if (std::optional<StorageError> failure = sink_.failure()) throw *failure;
        }
        sink_.on_event(event);
    }

private:
    storage::StorageSink& sink_;
};

struct RunStorage::State {
    State(const std::filesystem::path& path, storage::RunStoreOptions options)
        : store(path, options), sink(store), stopping_sink(sink) {}
    storage::RunStore store;
    storage::StorageSink sink;
    StoppingSink stopping_sink;
};

RunStorage::RunStorage(const std::string& database_path, storage::RunStoreOptions options)
    : path_(database_path.empty() ? storage::default_database_path() : std::filesystem::path(database_path)),
      state_(std::make_unique<State>(path_, options)) {}

RunStorage::~RunStorage() = default;

EventSink& RunStorage::sink() { return state_->stopping_sink; }

void RunStorage::finish() { state_->sink.close(); }

std::int64_t RunStorage::run_id() const { return state_->sink.run_id().value_or(-1); }

void RunStorage::add_tags(const std::vector<std::string>& tags) {
    if (!tags.empty()) storage::add_run_tags(state_->store, run_id(), tags);
}

RunSummary run_and_record(const RunConfig& config, bool record, const std::string& database_path,
                          const std::vector<std::string>& tags) {
    if (!record) {
        DiscardingSink sink;
        return run_experiment(config, sink);
    }
    RunStorage storage(database_path);
    RunSummary summary = run_experiment(config, storage.sink());
    storage.finish();
    storage.add_tags(tags);
    return summary;
}

}  // namespace tb::cli
