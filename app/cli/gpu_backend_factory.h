#pragma once
// The factory the programs hand to the engine for devices whose backend is "cuda": the CUDA backend
// when this build has one, otherwise none (the engine then explains how to get one).

#include "core/run/training_session.h"

namespace tb::cli {

BackendFactory gpu_backend_factory();

}  // namespace tb::cli
