#include "core/multitask/coupled_task_ridge.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/solvers/dense_lapack.h"

namespace tb {

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
    return sum;
}

void check_coupling(const MultiTaskProblem& problem, const std::vector<double>& coupling) {
    const std::int64_t task_count = problem.tasks();
    if (coupling.size() != static_cast<std::size_t>(task_count * task_count)) {
        throw std::invalid_argument("coupled task ridge: the task-coupling matrix has " + std::to_string(coupling.size()) +
                                    " entries; it must be tasks x tasks = " + std::to_string(task_count) + " x " +
                                    std::to_string(task_count));
    }
    double largest = 0.0;
    for (const double value : coupling) {
        if (!std::isfinite(value)) throw std::invalid_argument("coupled task ridge: the task-coupling matrix has a non-finite entry");
        largest = std::max(largest, std::abs(value));
    }
    for (std::int64_t t = 0; t < task_count; ++t) {
        for (std::int64_t s = 0; s < t; ++s) {
            const double upper = coupling[static_cast<std::size_t>(s * task_count + t)];
            const double lower = coupling[static_cast<std::size_t>(t * task_count + s)];
            if (std::abs(upper - lower) > 1e-10 * largest) {
                throw std::invalid_argument("coupled task ridge: the task-coupling matrix is not symmetric (entries (" +
                                            std::to_string(t) + ", " + std::to_string(s) + ") and (" + std::to_string(s) + ", " +
                                            std::to_string(t) + ") differ)");
            }
        }
    }
}

// The system's matrix-free product: task t's block of A v is G_t v_t + sum_s C_ts v_s.
class CoupledSystem {
public:
    CoupledSystem(const MultiTaskProblem& problem, const std::vector<double>& coupling)
        : problem_(problem), coupling_(coupling), d_(problem.features()), task_count_(problem.tasks()) {}

    void multiply(const std::vector<double>& v, std::vector<double>& out) const {
        for (std::int64_t t = 0; t < task_count_; ++t) {
            const std::vector<double>& gram = problem_.task(t).gram;
            const double* vt = v.data() + t * d_;
            double* out_t = out.data() + t * d_;
            for (std::int64_t j = 0; j < d_; ++j) {
                const double* gram_row = gram.data() + j * d_;
                double sum = 0.0;
                for (std::int64_t k = 0; k < d_; ++k) sum += gram_row[k] * vt[k];
                out_t[j] = sum;
            }
            for (std::int64_t s = 0; s < task_count_; ++s) {
                const double c = coupling_[static_cast<std::size_t>(t * task_count_ + s)];
                if (c == 0.0) continue;
                const double* vs = v.data() + s * d_;
                for (std::int64_t j = 0; j < d_; ++j) out_t[j] += c * vs[j];
            }
        }
    }

private:
    const MultiTaskProblem& problem_;
    const std::vector<double>& coupling_;
    std::int64_t d_;
    std::int64_t task_count_;
};

// z = (G_t + C_tt I)^{-1} r_t, task by task.
class BlockDiagonalPreconditioner {
public:
    BlockDiagonalPreconditioner(const MultiTaskProblem& problem, const std::vector<double>& coupling)
        : d_(problem.features()), task_count_(problem.tasks()) {
        blocks_.reserve(static_cast<std::size_t>(task_count_));
        for (std::int64_t t = 0; t < task_count_; ++t) {
            std::vector<double> block = problem.task(t).gram;
            const double diagonal_coupling = coupling[static_cast<std::size_t>(t * task_count_ + t)];
            for (std::int64_t j = 0; j < d_; ++j) block[static_cast<std::size_t>(j * d_ + j)] += diagonal_coupling;
            blocks_.emplace_back(std::move(block), d_);
        }
    }

    void apply(const std::vector<double>& r, std::vector<double>& z) const {
        z = r;
        for (std::int64_t t = 0; t < task_count_; ++t) blocks_[static_cast<std::size_t>(t)].solve_in_place(z.data() + t * d_);
    }

private:
    std::int64_t d_;
    std::int64_t task_count_;
    std::vector<CholeskyFactor> blocks_;
};

// The system with every G_t replaced by n_t S, S the pooled Gram per row (sum_t G_t / sum_t n_t):
//   P = (N^{1/2} (x) I) (I (x) S + N^{-1/2} C N^{-1/2} (x) I) (N^{1/2} (x) I),   N = diag(n_t),
// whose middle factor is a Kronecker sum, inverted exactly through the eigen-decompositions of S and
// N^{-1/2} C N^{-1/2}: P^{-1} r = N^{-1/2} V [(V^T (N^{-1/2} R) U) ./ (s_j + c_i)] U^T (R: r as d x T).
// Exact where the tasks' Gram matrices are proportional; it also handles any coupling, however
// ill-conditioned, in the feature directions every G_t misses (School's school-level features are
// constant within a task, so centering zeroes them in every G_t).
class KroneckerPreconditioner {
public:
    KroneckerPreconditioner(const MultiTaskProblem& problem, const std::vector<double>& coupling)
        : d_(problem.features()), task_count_(problem.tasks()), inverse_root_rows_(static_cast<std::size_t>(task_count_)) {
        std::vector<double> pooled(static_cast<std::size_t>(d_ * d_), 0.0);
        double rows = 0.0;
        for (std::int64_t t = 0; t < task_count_; ++t) {
            const TaskNormalEquations& task = problem.task(t);
            for (std::size_t i = 0; i < pooled.size(); ++i) pooled[i] += task.gram[i];
            rows += static_cast<double>(task.rows);
            inverse_root_rows_[static_cast<std::size_t>(t)] = 1.0 / std::sqrt(static_cast<double>(task.rows));
        }
        for (double& value : pooled) value /= rows;
        features_ = symmetric_eigen(pooled, d_);
        for (double& value : features_.values) value = std::max(value, 0.0);

        std::vector<double> scaled = coupling;
        for (std::int64_t t = 0; t < task_count_; ++t)
            for (std::int64_t s = 0; s < task_count_; ++s)
                scaled[static_cast<std::size_t>(t * task_count_ + s)] *= inverse_root_rows_[static_cast<std::size_t>(t)] * inverse_root_rows_[static_cast<std::size_t>(s)];
        tasks_ = symmetric_eigen(scaled, task_count_);
        if (!(tasks_.values.front() > 0.0)) {
            throw std::invalid_argument("coupled task ridge: the task-coupling matrix is not positive definite (smallest eigenvalue of "
                                        "N^-1/2 C N^-1/2: " + std::to_string(tasks_.values.front()) + ")");
        }
    }

    void apply(const std::vector<double>& r, std::vector<double>& z) const {
        const std::int64_t d = d_;
        const std::int64_t task_count = task_count_;
        const std::vector<double>& v = features_.vectors;  // d x d, column j: eigenvector j
        const std::vector<double>& u = tasks_.vectors;     // T x T, column i: eigenvector i
        // Y = V^T (N^{-1/2} R): d x T, stored task-major like R.
        std::vector<double> y(static_cast<std::size_t>(d * task_count), 0.0);
        for (std::int64_t t = 0; t < task_count; ++t) {
            const double scale = inverse_root_rows_[static_cast<std::size_t>(t)];
            const double* rt = r.data() + t * d;
            double* yt = y.data() + t * d;
            for (std::int64_t k = 0; k < d; ++k) {
                const double value = scale * rt[k];
                const double* v_row = v.data() + k * d;
                for (std::int64_t j = 0; j < d; ++j) yt[j] += v_row[j] * value;
            }
        }
        // Y U, divided entrywise by s_j + c_i.
        std::vector<double> w(static_cast<std::size_t>(d * task_count), 0.0);
        for (std::int64_t t = 0; t < task_count; ++t) {
            const double* yt = y.data() + t * d;
            const double* u_row = u.data() + t * task_count;
            for (std::int64_t i = 0; i < task_count; ++i) {
                const double weight = u_row[i];
                double* wi = w.data() + i * d;
                for (std::int64_t j = 0; j < d; ++j) wi[j] += weight * yt[j];
            }
        }
        for (std::int64_t i = 0; i < task_count; ++i) {
            double* wi = w.data() + i * d;
            for (std::int64_t j = 0; j < d; ++j) wi[j] /= features_.values[static_cast<std::size_t>(j)] + tasks_.values[static_cast<std::size_t>(i)];
        }
        // Back: (W U^T), then V (.), then N^{-1/2}.
        std::fill(y.begin(), y.end(), 0.0);
        for (std::int64_t t = 0; t < task_count; ++t) {
            double* yt = y.data() + t * d;
            const double* u_row = u.data() + t * task_count;
            for (std::int64_t i = 0; i < task_count; ++i) {
                const double weight = u_row[i];
                const double* wi = w.data() + i * d;
                for (std::int64_t j = 0; j < d; ++j) yt[j] += weight * wi[j];
            }
        }
        z.assign(r.size(), 0.0);
        for (std::int64_t t = 0; t < task_count; ++t) {
            const double scale = inverse_root_rows_[static_cast<std::size_t>(t)];
            const double* yt = y.data() + t * d;
            double* zt = z.data() + t * d;
            for (std::int64_t k = 0; k < d; ++k) {
                const double* v_row = v.data() + k * d;
                double sum = 0.0;
                for (std::int64_t j = 0; j < d; ++j) sum += v_row[j] * yt[j];
                zt[k] = scale * sum;
            }
        }
    }

private:
    std::int64_t d_;
    std::int64_t task_count_;
    std::vector<double> inverse_root_rows_;
    SymmetricEigen features_;
    SymmetricEigen tasks_;
};

// Preconditioned conjugate gradients on A x = b from the x given, with the restarts described in the
// header; `report` accumulates.
template <typename Preconditioner>
void conjugate_gradients(const CoupledSystem& system, const Preconditioner& preconditioner, const std::vector<double>& right_hand_side,
                         double target, const CoupledTaskRidgeSettings& settings, std::vector<double>& x, CoupledTaskRidgeReport& report) {
    std::vector<double> residual(x.size()), preconditioned(x.size()), direction(x.size()), product(x.size());
    double residual_norm = 0.0;
    for (int attempt = 0;; ++attempt) {
        system.multiply(x, product);
        for (std::size_t i = 0; i < x.size(); ++i) residual[i] = right_hand_side[i] - product[i];
        residual_norm = std::sqrt(dot(residual, residual));
        if (residual_norm <= target) {
            report.converged = true;
            break;
        }
        if (attempt > settings.restarts || report.iterations >= settings.max_iterations) break;

        preconditioner.apply(residual, preconditioned);
        direction = preconditioned;
        double residual_dot_preconditioned = dot(residual, preconditioned);
        while (report.iterations < settings.max_iterations) {
            system.multiply(direction, product);
            const double curvature = dot(direction, product);
            // A non-positive curvature can only be rounding once the residual is at machine precision.
            if (!(curvature > 0.0)) break;
            const double step = residual_dot_preconditioned / curvature;
            for (std::size_t i = 0; i < x.size(); ++i) {
                x[i] += step * direction[i];
                residual[i] -= step * product[i];
            }
            ++report.iterations;
            if (std::sqrt(dot(residual, residual)) <= target) break;
            preconditioner.apply(residual, preconditioned);
            const double next = dot(residual, preconditioned);
            const double beta = next / residual_dot_preconditioned;
            residual_dot_preconditioned = next;
            for (std::size_t i = 0; i < x.size(); ++i) direction[i] = preconditioned[i] + beta * direction[i];
        }
    }
    report.relative_residual = residual_norm;
}

}  // namespace

std::vector<double> task_inner_products(const WeightMatrix& weights) {
    const std::int64_t task_count = weights.tasks;
    std::vector<double> inner(static_cast<std::size_t>(task_count * task_count), 0.0);
    for (std::int64_t t = 0; t < task_count; ++t) {
        const double* wt = weights.column(t);
        for (std::int64_t s = 0; s <= t; ++s) {
            const double* ws = weights.column(s);
            double sum = 0.0;
            for (std::int64_t j = 0; j < weights.features; ++j) sum += wt[j] * ws[j];
            inner[static_cast<std::size_t>(t * task_count + s)] = sum;
            inner[static_cast<std::size_t>(s * task_count + t)] = sum;
        }
    }
    return inner;
}

double coupling_penalty(const WeightMatrix& weights, const std::vector<double>& coupling) {
    const std::vector<double> inner = task_inner_products(weights);
    if (coupling.size() != inner.size()) {
        throw std::invalid_argument("coupling penalty: the task-coupling matrix has " + std::to_string(coupling.size()) +
                                    " entries for " + std::to_string(weights.tasks) + " tasks");
    }
    double sum = 0.0;
    for (std::size_t i = 0; i < inner.size(); ++i) sum += coupling[i] * inner[i];
    return 0.5 * sum;
}

CoupledTaskRidgeReport solve_coupled_task_ridge(const MultiTaskProblem& problem, const std::vector<double>& coupling,
                                                WeightMatrix& weights, const CoupledTaskRidgeSettings& settings) {
    const std::int64_t d = problem.features();
    const std::int64_t task_count = problem.tasks();
    if (weights.features != d || weights.tasks != task_count || weights.values.size() != static_cast<std::size_t>(d * task_count)) {
        throw std::invalid_argument("coupled task ridge: the warm-start weights are " + std::to_string(weights.features) + " x " +
                                    std::to_string(weights.tasks) + " but the problem has " + std::to_string(d) + " features and " +
                                    std::to_string(task_count) + " tasks");
    }
    if (!(settings.relative_tolerance > 0.0)) throw std::invalid_argument("coupled task ridge: relative_tolerance must be positive");
    check_coupling(problem, coupling);

    std::vector<double> right_hand_side(weights.values.size());
    for (std::int64_t t = 0; t < task_count; ++t) std::copy(problem.task(t).moment.begin(), problem.task(t).moment.end(), right_hand_side.begin() + t * d);
    const double right_hand_side_norm = std::sqrt(dot(right_hand_side, right_hand_side));
    CoupledTaskRidgeReport report;
    if (right_hand_side_norm == 0.0) {
        // Every moment is zero: the unique solution is W = 0.
        std::fill(weights.values.begin(), weights.values.end(), 0.0);
        report.converged = true;
        return report;
    }
    const double target = settings.relative_tolerance * right_hand_side_norm;

    const CoupledSystem system(problem, coupling);
    report.preconditioner = settings.preconditioner;
    if (report.preconditioner == CoupledTaskRidgePreconditioner::automatic) {
        const SymmetricEigen eigen = symmetric_eigen(coupling, task_count);
        const bool ill_conditioned = !(eigen.values.front() > 0.0) || eigen.values.back() > 100.0 * eigen.values.front();
        report.preconditioner = ill_conditioned ? CoupledTaskRidgePreconditioner::kronecker_sum : CoupledTaskRidgePreconditioner::block_diagonal;
    }
    if (report.preconditioner == CoupledTaskRidgePreconditioner::kronecker_sum) {
        conjugate_gradients(system, KroneckerPreconditioner(problem, coupling), right_hand_side, target, settings, weights.values, report);
    } else {
        conjugate_gradients(system, BlockDiagonalPreconditioner(problem, coupling), right_hand_side, target, settings, weights.values, report);
    }
    report.relative_residual /= right_hand_side_norm;
    return report;
}

}  // namespace tb
