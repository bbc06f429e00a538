#include "app/cli/gpu_backend_factory.h"

namespace tb::cli {

// The CUDA backend (gpu/) is not part of this build yet: cuda devices get the engine's explanation.
BackendFactory gpu_backend_factory() { return {}; }

}  // namespace tb::cli
