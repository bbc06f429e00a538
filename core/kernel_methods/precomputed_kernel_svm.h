#pragma once
// A C-support-vector classifier on a precomputed kernel, through LIBSVM (Chang and Lin; Debian's
// libsvm-dev). This is the one file that includes LIBSVM's header. Multi-class problems are
// one-against-one, as LIBSVM trains them.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace tb {

// A square kernel matrix over samples, row-major; its rows and columns are indexed by sample.
struct KernelMatrix {
    std::span<const double> values;
    std::int64_t samples = 0;

    double at(std::int64_t row, std::int64_t column) const { return values[static_cast<std::size_t>(row * samples + column)]; }
};

class PrecomputedKernelSvm {
public:
    // Trains on the samples `training` (indices into the kernel's rows) with their class labels.
    // Throws std::invalid_argument for a C that is not positive, an index out of range, or a kernel whose
    // size disagrees with the labels.
    PrecomputedKernelSvm(const KernelMatrix& kernel, std::span<const std::int32_t> labels,
                         std::span<const std::int64_t> training, double c);
    ~PrecomputedKernelSvm();
    PrecomputedKernelSvm(const PrecomputedKernelSvm&) = delete;
    PrecomputedKernelSvm& operator=(const PrecomputedKernelSvm&) = delete;

    // The predicted class of each sample in `samples`, from its kernel row against the training samples.
    std::vector<std::int32_t> predict(std::span<const std::int64_t> samples) const;
    std::int64_t support_vectors() const;

private:
    struct Trained;
    const KernelMatrix kernel_;
    std::vector<std::int64_t> training_;
    std::unique_ptr<Trained> trained_;
};

}  // namespace tb
