#include "core/kernel_methods/precomputed_kernel_svm.h"

#include <mutex>
#include <stdexcept>
#include <string>

#include <svm.h>

namespace tb {

namespace {

void discard_libsvm_output(const char*) {}

// LIBSVM prints its optimizer's progress to stdout unless given a print function; that setting is global.
void silence_libsvm() {
    static std::once_flag once;
    std::call_once(once, [] { svm_set_print_string_function(&discard_libsvm_output); });
}

}  // namespace

// LIBSVM's precomputed-kernel rows: node 0 holds the sample's serial number among the training samples
// (1-based; a prediction's is ignored), nodes 1..l its kernel values against the training samples, then
// a terminator. A trained model points into the training rows, so they live as long as it does.
struct PrecomputedKernelSvm::Trained {
    std::vector<std::vector<svm_node>> rows;
    std::vector<svm_node*> row_pointers;
    std::vector<double> targets;
    svm_model* model = nullptr;

    ~Trained() {
        if (model != nullptr) svm_free_and_destroy_model(&model);
    }
};

PrecomputedKernelSvm::PrecomputedKernelSvm(const KernelMatrix& kernel, std::span<const std::int32_t> labels,
                                           std::span<const std::int64_t> training, double c)
    : kernel_(kernel), training_(training.begin(), training.end()), trained_(std::make_unique<Trained>()) {
    if (!(c > 0)) throw std::invalid_argument("svm: C must be positive, got " + std::to_string(c));
    if (kernel.samples < 0 || kernel.values.size() != static_cast<std::size_t>(kernel.samples * kernel.samples)) {
        throw std::invalid_argument("svm: the kernel matrix is not square over its samples");
    }
    if (labels.size() != static_cast<std::size_t>(kernel.samples)) {
        throw std::invalid_argument("svm: " + std::to_string(labels.size()) + " labels for a kernel over " +
                                    std::to_string(kernel.samples) + " samples");
    }
    if (training_.empty()) throw std::invalid_argument("svm: no training samples");
    for (const std::int64_t sample : training_) {
        if (sample < 0 || sample >= kernel.samples) {
            throw std::invalid_argument("svm: training sample " + std::to_string(sample) + " is outside the kernel");
        }
    }
    silence_libsvm();
    const std::size_t count = training_.size();
    trained_->rows.resize(count);
    trained_->row_pointers.resize(count);
    trained_->targets.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::vector<svm_node>& row = trained_->rows[i];
        row.resize(count + 2);
        row[0] = {0, static_cast<double>(i + 1)};
        for (std::size_t j = 0; j < count; ++j) row[j + 1] = {static_cast<int>(j + 1), kernel.at(training_[i], training_[j])};
        row[count + 1] = {-1, 0.0};
        trained_->row_pointers[i] = row.data();
        trained_->targets[i] = labels[static_cast<std::size_t>(training_[i])];
    }
    svm_problem problem{static_cast<int>(count), trained_->targets.data(), trained_->row_pointers.data()};
    svm_parameter parameter{};
    parameter.svm_type = C_SVC;
    parameter.kernel_type = PRECOMPUTED;
    parameter.cache_size = 100;
    parameter.eps = 1e-3;  // LIBSVM's default tolerance, as scikit-learn's SVC uses
    parameter.C = c;
    parameter.shrinking = 1;
    if (const char* problem_error = svm_check_parameter(&problem, &parameter)) {
        throw std::invalid_argument(std::string("svm: ") + problem_error);
    }
    trained_->model = svm_train(&problem, &parameter);
}

PrecomputedKernelSvm::~PrecomputedKernelSvm() = default;

std::vector<std::int32_t> PrecomputedKernelSvm::predict(std::span<const std::int64_t> samples) const {
    std::vector<std::int32_t> predicted;
    predicted.reserve(samples.size());
    std::vector<svm_node> row(training_.size() + 2);
    for (const std::int64_t sample : samples) {
        if (sample < 0 || sample >= kernel_.samples) {
            throw std::invalid_argument("svm: sample " + std::to_string(sample) + " is outside the kernel");
        }
        row[0] = {0, 0.0};
        for (std::size_t j = 0; j < training_.size(); ++j) row[j + 1] = {static_cast<int>(j + 1), kernel_.at(sample, training_[j])};
        row[training_.size() + 1] = {-1, 0.0};
        predicted.push_back(static_cast<std::int32_t>(svm_predict(trained_->model, row.data())));
    }
    return predicted;
}

std::int64_t PrecomputedKernelSvm::support_vectors() const { return svm_get_nr_sv(trained_->model); }

}  // namespace tb
