#include "core/fleet/worker.h"

#include <stdexcept>

#include "core/errors.h"
#include "core/session/training_session.h"

namespace tb {

Worker& first_local_worker(std::vector<Worker>& workers) {
    for (Worker& worker : workers) {
        if (worker.local()) return worker;
    }
    throw std::logic_error("no worker of the fleet lives in this process");
}

const Worker& first_local_worker(const std::vector<Worker>& workers) {
    for (const Worker& worker : workers) {
        if (worker.local()) return worker;
    }
    throw std::logic_error("no worker of the fleet lives in this process");
}

std::vector<Worker> create_workers(TrainingSession& session, int cpu_threads_per_worker, int worker_limit,
                                   const std::vector<int>& owner_rank, int this_rank) {
    std::vector<DeviceSpec> devices = session.config().fleet.devices;
    if (worker_limit > 0 && devices.size() > static_cast<std::size_t>(worker_limit)) devices.resize(static_cast<std::size_t>(worker_limit));
    std::vector<Worker> workers;
    workers.reserve(devices.size());
    std::vector<float> initial;
    for (std::size_t i = 0; i < devices.size(); ++i) {
        Worker worker;
        worker.index = static_cast<int>(i);
        worker.device = devices[i];
        if (!owner_rank.empty() && owner_rank[i] != this_rank) {
            workers.push_back(std::move(worker));
            continue;
        }
        worker.backend = session.create_backend(devices[i], cpu_threads_per_worker);
        std::unique_ptr<Model> model = session.create_model();
        if (initial.empty()) initial = session.initial_parameters(*model);
        try {
            worker.replica = std::make_unique<Replica>(*worker.backend, std::move(model), initial,
                                                       session.config().optimizer);
        } catch (const DeviceError&) {
            workers.push_back(std::move(worker));
            record_peak_memory(workers, session.summary());
            throw;
        }
        workers.push_back(std::move(worker));
    }
    return workers;
}

void record_peak_memory(const std::vector<Worker>& workers, RunSummary& summary) {
    for (const Worker& worker : workers) {
        if (worker.backend != nullptr) summary.record_peak_memory(worker.device.name, worker.backend->peak_memory());
    }
}

}  // namespace tb
