// The operation list (core/backend/operations.h) against the Backend interface it describes: every
// virtual member function of Backend that computes is in the list, every entry of the list is such a
// function, and every backend built here says it supports each one. The conformance suite iterates the
// same list and demands cases for every entry, so an operation added to Backend without being listed
// fails here, and one listed without cases fails there.

#include <QtTest>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "core/backend/cpu_backend.h"
#include "core/backend/operation_support.h"
#include "core/backend/operations.h"
#include "core/errors.h"

using namespace tb;

namespace {

// Members of Backend that manage the device rather than compute on it: naming, what it supports (the
// strided-view claims are checked by the conformance suite's column-block cases), memory domains and
// collectives, allocation, copies and synchronization. They are exercised by the suite's copy, allocation
// and empty-input cases, not listed as operations.
const std::set<std::string> not_operations = {
    "name",           "supports",   "supports_strided_views", "memory_domain",       "device_collective",
    "memory_in_use",  "peak_memory", "allocate_bytes",       "free_bytes",          "copy_host_to_device",
    "copy_device_to_host", "copy_device_to_device", "synchronize",
};

std::set<std::string> virtual_members_of_backend() {
    const std::string path = std::string(TB_SOURCE_DIR) + "/core/backend/backend.h";
    std::ifstream in(path);
    if (!in) qFatal("cannot read %s", path.c_str());
    std::stringstream text;
    text << in.rdbuf();
    const std::string header = text.str();
    const std::size_t begin = header.find("class Backend {");
    const std::size_t end = header.find("\n};", begin);
    if (begin == std::string::npos || end == std::string::npos) qFatal("no class Backend in %s", path.c_str());
    const std::string body = header.substr(begin, end - begin);
    // "virtual <return type> name(": the name is the last identifier before the parenthesis.
    const std::regex virtual_function(R"(virtual\s+[^;{(]*?\b([A-Za-z_~][A-Za-z0-9_]*)\s*\()");
    std::set<std::string> names;
    for (auto it = std::sregex_iterator(body.begin(), body.end(), virtual_function); it != std::sregex_iterator(); ++it) {
        const std::string name = (*it)[1];
        if (name != "Backend") names.insert(name);  // the destructor: "virtual ~Backend("
    }
    return names;
}

// A backend that declines one operation, as a backend would decline one added later with a refusing
// default. Only name() and supports() are ever called; the operations are there because Backend
// requires them.
class BackendWithoutTopK final : public Backend {
public:
    bool supports(Operation operation) const override { return operation != Operation::top_k; }
    std::string name() const override { return "test backend without top_k"; }
    void* allocate_bytes(std::size_t /*bytes*/, const char* /*what*/) override { return nullptr; }
    void free_bytes(void* /*pointer*/) noexcept override {}
    void copy_host_to_device(void* /*device_destination*/, const void* /*host_source*/, std::size_t /*bytes*/) override {}
    void copy_device_to_host(void* /*host_destination*/, const void* /*device_source*/, std::size_t /*bytes*/) override {}
    void copy_device_to_device(void* /*destination*/, const void* /*source*/, std::size_t /*bytes*/) override {}
    void synchronize() override {}
    void gemm(Transpose /*transpose_a*/, Transpose /*transpose_b*/, float /*alpha*/, ConstMatrixView /*a*/, ConstMatrixView /*b*/, float /*beta*/, MatrixView /*c*/) override {}
    void csr_times_dense(float /*alpha*/, const CsrView& /*a*/, ConstMatrixView /*b*/, float /*beta*/, MatrixView /*c*/) override {}
    void csr_transpose_times_dense(float /*alpha*/, const CsrView& /*a*/, ConstMatrixView /*b*/, float /*beta*/, MatrixView /*c*/) override {}
    void fill(float* /*x*/, std::int64_t /*count*/, float /*value*/) override {}
    void scale(float* /*x*/, std::int64_t /*count*/, float /*alpha*/) override {}
    void axpby(float /*alpha*/, const float* /*x*/, float /*beta*/, float* /*y*/, std::int64_t /*count*/) override {}
    void add_row_vector(MatrixView /*m*/, const float* /*row_vector*/) override {}
    void column_sums(float /*alpha*/, ConstMatrixView /*m*/, float /*beta*/, float* /*out*/) override {}
    void row_dot(float /*alpha*/, ConstMatrixView /*a*/, ConstMatrixView /*b*/, float /*beta*/, float* /*out*/) override {}
    void scale_rows(ConstMatrixView /*in*/, const float* /*scale*/, float /*beta*/, MatrixView /*out*/) override {}
    void relu_forward(ConstMatrixView /*in*/, MatrixView /*out*/) override {}
    void relu_backward(ConstMatrixView /*activation*/, ConstMatrixView /*grad_out*/, MatrixView /*grad_in*/) override {}
    void dropout_forward(ConstMatrixView /*in*/, MatrixView /*out*/, float* /*mask*/, float /*rate*/, std::uint64_t /*seed*/, std::uint64_t /*stream_offset*/) override {}
    void dropout_backward(ConstMatrixView /*grad_out*/, const float* /*mask*/, MatrixView /*grad_in*/) override {}
    void layer_norm_forward(ConstMatrixView /*in*/, const float* /*gain*/, const float* /*bias*/, float /*epsilon*/, MatrixView /*out*/, float* /*mean*/, float* /*inverse_std*/) override {}
    void layer_norm_backward(ConstMatrixView /*in*/, const float* /*mean*/, const float* /*inverse_std*/, const float* /*gain*/, ConstMatrixView /*grad_out*/, MatrixView /*grad_in*/, float /*parameter_beta*/, float* /*grad_gain*/, float* /*grad_bias*/) override {}
    double sum(const float* /*x*/, std::int64_t /*count*/) override { return 0.0; }
    double dot(const float* /*x*/, const float* /*y*/, std::int64_t /*count*/) override { return 0.0; }
    double sum_of_squares(const float* /*x*/, std::int64_t /*count*/) override { return 0.0; }
    double softmax_cross_entropy(ConstMatrixView /*logits*/, const CsrView& /*labels*/, MatrixView /*grad*/, float /*grad_scale*/) override { return 0.0; }
    double sigmoid_binary_cross_entropy(ConstMatrixView /*logits*/, const CsrView& /*labels*/, MatrixView /*grad*/, float /*grad_scale*/) override { return 0.0; }
    void weighted_sum(std::span<const float* const> /*sources*/, std::span<const double> /*weights*/, float* /*out*/, std::int64_t /*count*/) override {}
    void top_k(ConstMatrixView /*scores*/, int /*k*/, std::int32_t* /*indices*/) override {}
    void gather_rows(ConstMatrixView /*source*/, const std::int32_t* /*rows*/, MatrixView /*out*/) override {}
    void scatter_rows(ConstMatrixView /*in*/, const std::int32_t* /*rows*/, MatrixView /*destination*/) override {}
    void sgd_update(float* /*weights*/, const float* /*gradient*/, float* /*velocity*/, std::int64_t /*count*/, const SgdHyperparameters& /*hyper*/) override {}
    void sgd_update_rows(MatrixView /*weights*/, const std::int32_t* /*rows*/, ConstMatrixView /*grad_rows*/, float* /*velocity*/, const SgdHyperparameters& /*hyper*/) override {}
    void lazy_row_update(MatrixView /*records*/, const std::int32_t* /*rows*/, ConstMatrixView /*gradient*/, const RowOptimizerSettings& /*settings*/) override {}
    void gemm_f64(Transpose /*transpose_a*/, Transpose /*transpose_b*/, double /*alpha*/, ConstMatrixViewF64 /*a*/, ConstMatrixViewF64 /*b*/, double /*beta*/, MatrixViewF64 /*c*/) override {}
    void csr_times_dense_f64(const CsrView& /*a*/, const double* /*row_scale*/, ConstMatrixViewF64 /*b*/, MatrixViewF64 /*c*/) override {}
    void dense_times_csr_transpose_f64(ConstMatrixViewF64 /*b*/, const CsrView& /*a*/, const double* /*column_scale*/, MatrixViewF64 /*c*/) override {}
    void relu_kernel_expectation(MatrixViewF64 /*sigma*/, MatrixViewF64 /*theta*/, const double* /*row_variance*/, const double* /*column_variance*/) override {}
    void copy_diagonal_f64(ConstMatrixViewF64 /*m*/, double* /*out*/) override {}
};

}  // namespace

class TestBackendOperationList : public QObject {
    Q_OBJECT

private slots:
    void every_virtual_operation_of_backend_is_listed() {
        const std::set<std::string> members = virtual_members_of_backend();
        QVERIFY2(members.size() > not_operations.size(), "the parser found too few virtual members of Backend");
        for (const std::string& member : members) {
            if (not_operations.contains(member)) continue;
            QVERIFY2(parse_operation(member).has_value(),
                     qPrintable(QString::fromStdString(member) +
                                " is a virtual operation of Backend but not in core/backend/operations.h"));
        }
    }

    void every_listed_operation_is_a_virtual_member_of_backend() {
        const std::set<std::string> members = virtual_members_of_backend();
        for (const OperationInfo& info : all_operations) {
            QVERIFY2(members.contains(std::string(info.name)),
                     qPrintable(QString::fromUtf8(info.name.data(), static_cast<int>(info.name.size())) +
                                " is listed but Backend declares no such virtual function"));
            QVERIFY(!info.description.empty());
            QCOMPARE(parse_operation(info.name), std::optional<Operation>(info.operation));
            QCOMPARE(to_string(info.operation), info.name);
        }
        // Names and enumerators come from one declaration, so they cannot drift; the count is the list's.
        QCOMPARE(all_operations.size(), static_cast<std::size_t>(Operation::copy_diagonal_f64) + 1);
    }

    void the_cpu_backend_supports_every_operation() {
        CpuBackend backend(1);
        for (const OperationInfo& info : all_operations) {
            QVERIFY2(backend.supports(info.operation), info.name.data());
            require_operation(backend, info.operation, "this test");
        }
    }

    void a_missing_operation_is_an_error_naming_device_and_need() {
        const BackendWithoutTopK backend;
        require_operation(backend, Operation::gemm, "the output layer");
        try {
            require_operation(backend, Operation::top_k, "the p@k evaluation");
            QFAIL("no DeviceError for an unsupported operation");
        } catch (const DeviceError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.contains("does not support the operation top_k, which the p@k evaluation needs"),
                     qPrintable(message));
            QVERIFY2(message.contains(QString::fromStdString(backend.name())), qPrintable(message));
        }
    }
};

QTEST_GUILESS_MAIN(TestBackendOperationList)
#include "test_backend_operation_list.moc"
