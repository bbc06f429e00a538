#include "core/backend/blas_thread_limit.h"

#include <algorithm>

#include <cblas.h>

namespace tb {

void keep_blas_on_calling_thread() {
    if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}

BlasThreadLimit::BlasThreadLimit(int threads) : previous_(openblas_get_num_threads()) {
    openblas_set_num_threads(std::max(1, threads));
}

BlasThreadLimit::~BlasThreadLimit() { openblas_set_num_threads(previous_); }

}  // namespace tb
