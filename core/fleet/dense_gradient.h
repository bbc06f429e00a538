#pragma once
// A replica's gradient as one dense host vector in its parameter layout, the row-sparse segments (the
// sparse input layer) scattered into their rows and zero elsewhere. For methods that combine gradients
// with other vectors on the host, such as gradient tracking.

#include <vector>

#include "core/fleet/worker.h"

namespace tb {

std::vector<float> download_dense_gradient(Worker& worker);

}  // namespace tb
