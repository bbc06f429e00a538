#pragma once
// Limits the BLAS library's own thread team for as long as the object lives. CPU workers that train side
// by side (the wall-clock executor) each call GEMM from their own thread; OpenBLAS's shared thread pool
// would otherwise serialise them and oversubscribe the cores.

namespace tb {

// Holds OpenBLAS to one thread, the calling one, unless it already is (then it costs one call). The CPU
// backend runs every BLAS call on its own OpenMP team's threads and calls this before each, since
// something else in the process may have raised the count meanwhile (a BlasThreadLimit ending, the
// host program's own setting).
void keep_blas_on_calling_thread();

class BlasThreadLimit {
public:
    explicit BlasThreadLimit(int threads);
    ~BlasThreadLimit();
    BlasThreadLimit(const BlasThreadLimit&) = delete;
    BlasThreadLimit& operator=(const BlasThreadLimit&) = delete;

private:
    int previous_;
};

}  // namespace tb
