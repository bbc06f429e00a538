#pragma once
// Asked when a run is set up, not when a step first needs the operation: a method or module that needs
// an operation checks every backend of the fleet, and a backend that lacks it ends the run before any
// training with a message that names the device, the operation and what needed it.

#include <string>

#include "core/backend/backend.h"

namespace tb {

// Throws DeviceError when `backend` does not support `operation`; `needed_by` says who asked
// ("the GCN layer", "FALKON's Cholesky factor").
void require_operation(const Backend& backend, Operation operation, const std::string& needed_by);

}  // namespace tb
