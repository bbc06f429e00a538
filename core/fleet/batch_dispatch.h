#pragma once
// Handing batches to workers, the one home of every method's dispatch: the next rows of the shared
// shuffled cursor to one worker, and the static schedule of the synchronous baselines (every worker the
// same number of equal batches per round, the slowest worker gating the round).

#include <cstdint>

#include "core/data/shuffled_batcher.h"
#include "core/fleet/executor.h"

namespace tb {

class TrainingSession;

// Submits the next `batch_size` rows of the cursor to an idle worker as an update step; returns the rows
// handed out (fewer at the end of an epoch).
std::int64_t dispatch_update(Executor& executor, ShuffledBatcher& batcher, int worker, std::int64_t batch_size,
                             double learning_rate);

// Every worker runs `steps_per_worker` update steps of `batch_size` rows at the session's scheduled
// learning rate for that batch (scaled with it when optimizer.lr_reference_batch is set), taking its next batch as soon as it finishes one; returns once all have finished. Stops
// handing out batches early when the session says stop.
void run_equal_local_steps(TrainingSession& session, Executor& executor, ShuffledBatcher& batcher,
                           std::int64_t batch_size, std::int64_t steps_per_worker);

}  // namespace tb
