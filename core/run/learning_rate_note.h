#pragma once
// What optimizer.lr means for a run's method, in one sentence for the editor to show beside the field:
// the batch it is the rate of, and the rate the method's own batch trains at (the run log says the same
// when the run starts). Empty for methods that train no model by SGD.

#include <string>

#include "core/session/run_config.h"

namespace tb {

std::string describe_learning_rate(const RunConfig& config);

}  // namespace tb
