#include "core/fleet/batch_dispatch.h"

#include <vector>

#include "core/session/training_session.h"

namespace tb {

std::int64_t dispatch_update(Executor& executor, ShuffledBatcher& batcher, int worker, std::int64_t batch_size,
                             double learning_rate) {
    const std::span<const std::int64_t> rows = batcher.next(batch_size);
    executor.submit(StepOrder{worker, {rows.begin(), rows.end()}, StepKind::update, static_cast<float>(learning_rate), 0.0f});
    return static_cast<std::int64_t>(rows.size());
}

void run_equal_local_steps(TrainingSession& session, Executor& executor, ShuffledBatcher& batcher,
                           std::int64_t batch_size, std::int64_t steps_per_worker) {
    std::vector<std::int64_t> remaining(static_cast<std::size_t>(executor.worker_count()), steps_per_worker);
    for (int i = 0; i < executor.worker_count() && session.epoch_budget_left(executor.rows_in_flight()); ++i) {
        dispatch_update(executor, batcher, i, batch_size, session.learning_rate(batch_size));
        --remaining[static_cast<std::size_t>(i)];
    }
    while (executor.in_flight() > 0) {
        const StepDone done = executor.next_completion();
        std::int64_t& left = remaining[static_cast<std::size_t>(done.worker)];
        if (left > 0 && !session.should_stop() && session.epoch_budget_left(executor.rows_in_flight())) {
            dispatch_update(executor, batcher, done.worker, batch_size, session.learning_rate(batch_size));
            --left;
        }
    }
}

}  // namespace tb
