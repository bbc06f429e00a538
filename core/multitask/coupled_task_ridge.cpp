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
        : problem_(problem), coupling_(coupling), d_(problem.features()), task_count_(problem.tasks()) {
        preconditioner_.reserve(static_cast<std::size_t>(task_count_));
        for (std::int64_t t = 0; t < task_count_; ++t) {
            std::vector<double> block = problem.task(t).gram;
            const double diagonal_coupling = coupling[static_cast<std::size_t>(t * task_count_ + t)];
            for (std::int64_t j = 0; j < d_; ++j) block[static_cast<std::size_t>(j * d_ + j)] += diagonal_coupling;
            preconditioner_.emplace_back(std::move(block), d_);
        }
    }

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

    void precondition(const std::vector<double>& r, std::vector<double>& z) const {
        z = r;
        for (std::int64_t t = 0; t < task_count_; ++t) preconditioner_[static_cast<std::size_t>(t)].solve_in_place(z.data() + t * d_);
    }

private:
    const MultiTaskProblem& problem_;
    const std::vector<double>& coupling_;
    std::int64_t d_;
    std::int64_t task_count_;
    std::vector<CholeskyFactor> preconditioner_;
};

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
    std::vector<double>& x = weights.values;
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

        system.precondition(residual, preconditioned);
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
            system.precondition(residual, preconditioned);
            const double next = dot(residual, preconditioned);
            const double beta = next / residual_dot_preconditioned;
            residual_dot_preconditioned = next;
            for (std::size_t i = 0; i < x.size(); ++i) direction[i] = preconditioned[i] + beta * direction[i];
        }
    }
    report.relative_residual = residual_norm / right_hand_side_norm;
    return report;
}

}  // namespace tb
