#include "core/run/run_experiment.h"

#include <chrono>
#include <unistd.h>

#include "core/data/load_data.h"
#include "core/errors.h"
#include "core/fleet/rank_assignment.h"
#include "core/optim/optimizer_kinds.h"
#include "core/run/method_registry.h"
#include "core/session/process_group.h"

namespace tb {

namespace {

std::string host_name() {
    char buffer[256] = {};
    if (gethostname(buffer, sizeof(buffer) - 1) != 0) return "unknown";
    return buffer;
}

// group: a distributed run's ranks, whose hosts the devices get; null in one process.
std::vector<DeviceDescription> describe_devices(const FleetConfig& fleet, const ProcessGroup* group) {
    std::vector<int> owners;
    if (group != nullptr) {
        try {
            owners = assign_devices_to_ranks(fleet.devices, group->hosts());
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the executor reports the mistake
        }
    }
    std::vector<DeviceDescription> devices;
    for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
        const DeviceSpec& spec = fleet.devices[i];
        const std::string host = owners.empty() ? std::string() : group->hosts()[static_cast<std::size_t>(owners[i])];
        devices.push_back({spec.name, spec.backend_name(), spec.is_cpu() ? -1 : spec.gpu_index, spec.sm_count, spec.speed, host});
    }
    return devices;
}

// What a distributed run cannot do yet, refused before any rank trains.
void require_distributed_support(const RunConfig& config, const MethodEntry& entry, const ProcessGroup& group) {
    if (!entry.runs_distributed) {
        std::string supported;
        for (const MethodEntry& each : method_registry()) {
            if (each.runs_distributed) supported += (supported.empty() ? "" : ", ") + each.kind;
        }
        throw ConfigError("method.kind " + entry.kind + " does not run across processes yet; with --distributed use one of " +
                          supported + ", or run it in one process");
    }
    if (config.fleet.simulated()) {
        throw ConfigError("fleet.clock is simulated, but a distributed run trains on real devices: set fleet.clock to wall, "
                          "or run the simulation in one process (without --distributed)");
    }
    if (config.optimizer.state_at_merge == StateAtMerge::average && group.size() > 1) {
        throw ConfigError("optimizer.state_at_merge average is not supported across processes yet; use keep or reset "
                          "with --distributed");
    }
}

}  // namespace

RunSummary run_experiment(const RunConfig& config, EventSink& sink, const RunOptions& options) {
    const auto wall_start = std::chrono::steady_clock::now();
    const auto wall = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count(); };
    RunStarted started{config.name, to_json(config), describe_devices(config.fleet, options.process_group),
                       std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(),
                       host_name()};
    sink.on_event(Event{0, 0, std::move(started)});

    RunSummary summary(config.stop.target);
    double clock = 0;
    try {
        const LoadedData data = load_data(config.dataset, config.config_folder);
        sink.on_event(Event{0, wall(), Log{LogLevel::info, describe_loaded_data(data)}});
        const MethodEntry& entry = find_method(config.method.kind);
        if (options.process_group != nullptr) require_distributed_support(config, entry, *options.process_group);
        RunContext context(config, sink, RunControls{options.cancel, options.pause}, options.gpu_backend_factory,
                           entry.progress);
        if (options.process_group != nullptr) context.join(*options.process_group);
        if (options.on_final_model) context.observe_final_model(options.on_final_model);
        if (options.rank_collective_factory) context.set_rank_collective_factory(options.rank_collective_factory);
        std::unique_ptr<Method> method = entry.create(config.method.parameters);
        try {
            method->run(context, data);
            context.summary().set_status(context.stop_reason() == StopReason::cancelled ? RunStatus::stopped
                                                                                       : RunStatus::finished);
        } catch (const RunDiverged& diverged) {
            context.summary().set_status(RunStatus::diverged, diverged.what());
        } catch (const std::exception& error) {
            context.summary().set_status(RunStatus::failed, error.what());
        }
        clock = context.run_clock();
        summary = context.summary();
        summary.set_progress(clock, wall(), context.samples_seen(), context.progress());
    } catch (const std::exception& error) {
        summary.set_status(RunStatus::failed, error.what());
        summary.set_progress(0, wall(), 0, 0);
    }
    sink.on_event(Event{clock, wall(), RunFinished{summary.status(), summary.to_json(), summary.error()}});
    return summary;
}

}  // namespace tb
