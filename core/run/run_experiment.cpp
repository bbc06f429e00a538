#include "core/run/run_experiment.h"

#include <chrono>
#include <unistd.h>

#include "core/data/load_data.h"
#include "core/run/method_registry.h"

namespace tb {

namespace {

std::string host_name() {
    char buffer[256] = {};
    if (gethostname(buffer, sizeof(buffer) - 1) != 0) return "unknown";
    return buffer;
}

std::vector<DeviceDescription> describe_devices(const FleetConfig& fleet) {
    std::vector<DeviceDescription> devices;
    for (const DeviceSpec& spec : fleet.devices) {
        devices.push_back({spec.name, spec.backend_name(), spec.is_cpu() ? -1 : spec.gpu_index, spec.sm_count, spec.speed});
    }
    return devices;
}

}  // namespace

RunSummary run_experiment(const RunConfig& config, EventSink& sink, const RunOptions& options) {
    const auto wall_start = std::chrono::steady_clock::now();
    const auto wall = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count(); };
    RunStarted started{config.name, to_json(config), describe_devices(config.fleet),
                       std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(),
                       host_name()};
    sink.on_event(Event{0, 0, std::move(started)});

    RunSummary summary(config.stop.target);
    double clock = 0;
    try {
        const LoadedData data = load_data(config.dataset, config.config_folder);
        sink.on_event(Event{0, wall(), Log{LogLevel::info, describe_loaded_data(data)}});
        const MethodEntry& entry = find_method(config.method.kind);
        RunContext context(config, sink, RunControls{options.cancel, options.pause}, options.gpu_backend_factory,
                           entry.progress);
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
