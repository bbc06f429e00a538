#include "core/backend/operation_support.h"

#include "core/errors.h"

namespace tb {

void require_operation(const Backend& backend, Operation operation, const std::string& needed_by) {
    if (backend.supports(operation)) return;
    throw DeviceError("the " + backend.name() + " backend does not support the operation " +
                      std::string(to_string(operation)) + ", which " + needed_by +
                      " needs; run it on a device whose backend has it (trainbench-cli devices lists them)");
}

}  // namespace tb
