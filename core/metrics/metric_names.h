#pragma once
// Which way a named value improves, for the run summary and the store. Names come from the metric
// registries (p@5, nmse, ...), from a worker or an average of workers ("worker03.accuracy",
// "worker_mean.nmse"), or from the run itself ("train_loss", "consensus_distance").

#include <string_view>

namespace tb {

// The registry's answer for a metric of any task, also behind a "prefix." of worker names; for any other
// name, false for losses (ending in "loss", any case) and distances (ending in "distance"), else true.
bool metric_higher_is_better(std::string_view name);

}  // namespace tb
