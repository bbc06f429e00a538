#include "core/fleet/wall_executor.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "core/session/run_context.h"

namespace tb {

int cpu_threads_per_device(const std::vector<DeviceSpec>& devices) {
    const auto cpu_devices = std::count_if(devices.begin(), devices.end(), [](const DeviceSpec& d) { return d.is_cpu(); });
    if (cpu_devices <= 1) return 0;
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::max(1, cores / static_cast<int>(cpu_devices));
}

WallExecutor::WallExecutor(RunContext& context, std::vector<DeviceSpec> devices, const std::filesystem::path& config_folder)
    : WorkExecutor(std::move(devices), config_folder), context_(context), items_(devices_.size()),
      item_speeds_(devices_.size(), 1.0) {
    threads_.reserve(devices_.size());
    for (std::size_t i = 0; i < devices_.size(); ++i) threads_.emplace_back([this, i] { device_loop(static_cast<int>(i)); });
}

WallExecutor::~WallExecutor() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_ready_.notify_all();
    for (std::thread& thread : threads_) thread.join();
}

void WallExecutor::start(int device, WorkItem item) {
    // Read on the engine thread, where the run clock is kept.
    const double speed = devices_[static_cast<std::size_t>(device)].speed * speed_factor(device, context_.run_clock());
    {
        std::lock_guard lock(mutex_);
        items_[static_cast<std::size_t>(device)] = std::move(item);
        item_speeds_[static_cast<std::size_t>(device)] = std::min(1.0, speed);
    }
    work_ready_.notify_all();
}

void WallExecutor::device_loop(int device) {
    const DeviceSpec& spec = devices_[static_cast<std::size_t>(device)];
    for (;;) {
        WorkItem item;
        double speed = 1.0;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [&] { return stopping_ || items_[static_cast<std::size_t>(device)].has_value(); });
            if (stopping_) return;
            item = std::move(*items_[static_cast<std::size_t>(device)]);
            speed = item_speeds_[static_cast<std::size_t>(device)];
            items_[static_cast<std::size_t>(device)].reset();
        }
        Finished finished{device, {}, nullptr};
        try {
            const auto compute_start = std::chrono::steady_clock::now();
            finished.outcome = item();
            const std::chrono::duration<double> compute = std::chrono::steady_clock::now() - compute_start;
            if (spec.is_cpu() && speed < 1.0) std::this_thread::sleep_for(compute * (1.0 / speed - 1.0));
        } catch (...) {
            finished.error = std::current_exception();
        }
        {
            std::lock_guard lock(mutex_);
            finished_.push_back(std::move(finished));
        }
        item_finished_.notify_all();
    }
}

WorkExecutor::Completion WallExecutor::wait_for_completion() {
    Finished finished;
    {
        std::unique_lock lock(mutex_);
        item_finished_.wait(lock, [&] { return !finished_.empty(); });
        finished = std::move(finished_.front());
        finished_.pop_front();
    }
    return {WorkDone{finished.device, finished.outcome, context_.run_clock()}, finished.error};
}

std::optional<WorkExecutor::Completion> WallExecutor::finished_completion(std::chrono::microseconds patience) {
    Finished finished;
    {
        std::unique_lock lock(mutex_);
        if (finished_.empty() && patience.count() > 0) item_finished_.wait_for(lock, patience, [&] { return !finished_.empty(); });
        if (finished_.empty()) return std::nullopt;
        finished = std::move(finished_.front());
        finished_.pop_front();
    }
    return Completion{WorkDone{finished.device, finished.outcome, context_.run_clock()}, finished.error};
}

void WallExecutor::run_on_every_device(const std::function<void(int device)>& task) {
    if (in_flight() > 0) throw std::logic_error("run_on_every_device while work is in flight");
    {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < devices_.size(); ++i) {
            items_[i] = [&task, i] {
                task(static_cast<int>(i));
                return WorkOutcome{};
            };
        }
    }
    work_ready_.notify_all();
    // Every device reports back, also after a failure, so that no task is still running on return.
    std::exception_ptr first_error;
    for (std::size_t reported = 0; reported < devices_.size(); ++reported) {
        std::unique_lock lock(mutex_);
        item_finished_.wait(lock, [&] { return !finished_.empty(); });
        const Finished finished = finished_.front();
        finished_.pop_front();
        if (finished.error && !first_error) first_error = finished.error;
    }
    if (first_error) std::rethrow_exception(first_error);
}

void WallExecutor::communicate(double /*bytes*/, Collective /*kind*/) {}

}  // namespace tb
