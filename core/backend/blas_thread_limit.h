#pragma once
// Limits the BLAS library's own thread team for as long as the object lives. CPU workers that train side
// by side (the wall-clock executor) each call GEMM from their own thread; OpenBLAS's shared thread pool
// would otherwise serialise them and oversubscribe the cores.

namespace tb {

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
