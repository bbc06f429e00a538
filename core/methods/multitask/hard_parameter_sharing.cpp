#include "core/methods/multitask/hard_parameter_sharing.h"

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "core/backend/cpu_backend.h"
#include "core/methods/method_settings.h"
#include "core/methods/multitask/multi_task_solver_settings.h"
#include "core/model/parameter_initializer.h"
#include "core/nn/containers/sequential.h"
#include "core/nn/dense/linear.h"
#include "core/nn/dense/relu.h"
#include "core/optim/adam_optimizer.h"
#include "core/random/random_stream.h"

namespace tb {

namespace {

struct HardSharingSettings : MultiTaskSolverSettings {
    std::vector<std::int64_t> trunk_widths{64};
    std::int64_t epochs = 100;
    std::int64_t batch_size = 32;
    double learning_rate = 1e-3;
    std::vector<double> weight_decay{1e-5, 1e-4, 1e-3, 1e-2};
    std::int64_t initialization_seed = 1;
};

const FieldTable<HardSharingSettings>& hard_sharing_fields() {
    static const FieldTable<HardSharingSettings> table = [] {
        FieldTable<HardSharingSettings> t;
        t.integer_list("trunk_widths", &HardSharingSettings::trunk_widths, "Trunk widths", SettingRange::between(1, 65536),
                       "units of each shared hidden layer (ReLU), input side first")
            .check([](const HardSharingSettings& s, const ConfigReader& reader) {
                if (s.trunk_widths.empty()) reader.fail("trunk_widths", "needs at least one hidden layer");
            });
        t.integer("epochs", &HardSharingSettings::epochs, "Epochs", SettingRange::between(1, 100000),
                  "passes over every task's training rows");
        t.integer("batch_size", &HardSharingSettings::batch_size, "Batch size", SettingRange::between(1, 1 << 20),
                  "rows per Adam step, drawn from all tasks together");
        t.number("learning_rate", &HardSharingSettings::learning_rate, "Learning rate", SettingRange::above(0),
                 "Adam's step size");
        t.number_list("weight_decay", &HardSharingSettings::weight_decay, "Weight decay candidates",
                      SettingRange::at_least(0), "L2 weight decay values the inner cross-validation chooses among")
            .check([](const HardSharingSettings& s, const ConfigReader& reader) {
                if (s.weight_decay.empty()) reader.fail("weight_decay", "needs at least one value");
            });
        t.integer("initialization_seed", &HardSharingSettings::initialization_seed, "Initialization seed",
                  SettingRange::at_least(0), "the initial weights and the order of the rows");
        add_multi_task_solver_fields(t);
        return t;
    }();
    return table;
}

}  // namespace

struct HardParameterSharing::Network {
    std::unique_ptr<CpuBackend> backend;
    std::unique_ptr<nn::Sequential> layers;
    ArenaLayout layout;
    std::unique_ptr<ParameterArena> parameters;
    std::vector<double> feature_means;
    std::vector<double> feature_scales;
    std::vector<double> task_means;
    double target_scale = 1;
    std::int64_t features = 0;
    std::int64_t tasks = 0;

    // Standardized rows of one task, row-major, as floats for the backend.
    void standardized(const TaskData& task, std::int64_t first, std::int64_t count, HostMatrix& into) const {
        for (std::int64_t r = 0; r < count; ++r) {
            const double* x = task.row(first + r, features);
            for (std::int64_t j = 0; j < features; ++j) {
                into.values[static_cast<std::size_t>(r * features + j)] =
                    static_cast<float>((x[j] - feature_means[static_cast<std::size_t>(j)]) / feature_scales[static_cast<std::size_t>(j)]);
            }
        }
    }
};

HardParameterSharing::HardParameterSharing(const nlohmann::json& parameters)
    : trunk_widths_(parameters.at("trunk_widths").get<std::vector<std::int64_t>>()),
      epochs_(parameters.at("epochs").get<std::int64_t>()),
      batch_size_(parameters.at("batch_size").get<std::int64_t>()),
      learning_rate_(parameters.at("learning_rate").get<double>()),
      weight_decays_(parameters.at("weight_decay").get<std::vector<double>>()),
      seed_(parameters.at("initialization_seed").get<std::uint64_t>()) {}

HardParameterSharing::~HardParameterSharing() = default;

nlohmann::json HardParameterSharing::normalize(ConfigReader& reader) { return normalize_settings(hard_sharing_fields(), reader); }

SettingsForm HardParameterSharing::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(hard_sharing_fields(), parameters);
}

std::vector<RegularizationCandidate> HardParameterSharing::candidates() const {
    return regularization_grid({{"weight_decay", weight_decays_}});
}

SolverOutcome HardParameterSharing::fit(const MultiTaskData& train, const MultiTaskProblem& problem,
                                        const RegularizationCandidate& candidate, const SolverControl& control) {
    auto network = std::make_unique<Network>();
    network->features = train.features;
    network->tasks = train.task_count();
    // Standardization from the training rows (a constant feature keeps scale 1).
    const double rows = static_cast<double>(train.total_rows());
    network->feature_means.assign(static_cast<std::size_t>(train.features), 0.0);
    network->feature_scales.assign(static_cast<std::size_t>(train.features), 0.0);
    for (const TaskData& task : train.tasks) {
        for (std::int64_t r = 0; r < task.rows; ++r) {
            const double* x = task.row(r, train.features);
            for (std::int64_t j = 0; j < train.features; ++j) network->feature_means[static_cast<std::size_t>(j)] += x[j] / rows;
        }
    }
    for (const TaskData& task : train.tasks) {
        for (std::int64_t r = 0; r < task.rows; ++r) {
            const double* x = task.row(r, train.features);
            for (std::int64_t j = 0; j < train.features; ++j) {
                const double d = x[j] - network->feature_means[static_cast<std::size_t>(j)];
                network->feature_scales[static_cast<std::size_t>(j)] += d * d / rows;
            }
        }
    }
    for (double& scale : network->feature_scales) scale = scale > 0 ? std::sqrt(scale) : 1.0;
    double spread = 0;
    for (std::int64_t t = 0; t < train.task_count(); ++t) {
        const TaskNormalEquations& equations = problem.task(t);
        network->task_means.push_back(equations.target_mean);
        spread += equations.target_sum_of_squares;
    }
    network->target_scale = spread > 0 ? std::sqrt(spread / rows) : 1.0;

    // The trunk, then the heads as one Linear layer with a column per task.
    std::vector<std::unique_ptr<nn::Module>> modules;
    std::int64_t width = train.features;
    for (std::size_t layer = 0; layer < trunk_widths_.size(); ++layer) {
        modules.push_back(std::make_unique<nn::Linear>("trunk" + std::to_string(layer + 1), width, trunk_widths_[layer]));
        modules.push_back(std::make_unique<nn::Relu>());
        width = trunk_widths_[layer];
    }
    modules.push_back(std::make_unique<nn::Linear>("task_heads", width, train.task_count()));
    network->layers = std::make_unique<nn::Sequential>(std::move(modules));
    network->backend = std::make_unique<CpuBackend>(1);
    Backend& backend = *network->backend;
    network->layers->declare(network->layout);
    network->parameters = std::make_unique<ParameterArena>(backend, network->layout, "hard sharing parameters");
    std::vector<float> initial(static_cast<std::size_t>(network->layout.total_size()), 0.0f);
    ParameterInitializer initializer(seed_);
    for (const ParameterSegment& segment : network->layout.segments()) {
        if (!segment.is_vector()) initializer.glorot_uniform(initial.data() + segment.offset, segment.rows, segment.cols);
    }
    network->parameters->upload(initial);
    Gradients gradients(backend, network->layout);
    AdamConfig adam;
    adam.weight_decay = static_cast<float>(candidate.at("weight_decay"));
    AdamOptimizer optimizer(backend, network->layout, adam);

    // Every (task, row) pair, shuffled each epoch.
    std::vector<std::pair<std::int32_t, std::int32_t>> order;
    for (std::int64_t t = 0; t < train.task_count(); ++t) {
        for (std::int64_t r = 0; r < train.tasks[static_cast<std::size_t>(t)].rows; ++r) {
            order.emplace_back(static_cast<std::int32_t>(t), static_cast<std::int32_t>(r));
        }
    }
    RandomStream random(seed_ + 1);
    SolverOutcome outcome;
    outcome.converged = true;
    HostMatrix input;
    HostMatrix grad;
    DeviceMatrix device_input;
    DeviceMatrix device_grad;
    for (std::int64_t epoch = 1; epoch <= epochs_; ++epoch) {
        random.shuffle(order);
        double squared_error = 0;
        for (std::size_t first = 0; first < order.size(); first += static_cast<std::size_t>(batch_size_)) {
            const std::int64_t batch = std::min<std::int64_t>(batch_size_, static_cast<std::int64_t>(order.size() - first));
            input = HostMatrix(batch, train.features);
            HostMatrix row(1, train.features);
            for (std::int64_t i = 0; i < batch; ++i) {
                const auto [task, r] = order[first + static_cast<std::size_t>(i)];
                network->standardized(train.tasks[static_cast<std::size_t>(task)], r, 1, row);
                std::copy(row.values.begin(), row.values.end(), input.values.begin() + i * train.features);
            }
            device_input.resize(backend, batch, train.features, "hard sharing batch");
            device_input.upload(input);
            const nn::ForwardPass pass{backend, *network->parameters, true};
            nn::Forward forward = network->layers->forward(pass, nn::ModuleInput(device_input.view()));
            std::vector<float> outputs(static_cast<std::size_t>(forward.output.size()));
            backend.copy_device_to_host(outputs.data(), forward.output.data, sizeof(float) * outputs.size());
            grad = HostMatrix(batch, train.task_count());
            for (std::int64_t i = 0; i < batch; ++i) {
                const auto [task, r] = order[first + static_cast<std::size_t>(i)];
                const double target = (train.tasks[static_cast<std::size_t>(task)].targets[static_cast<std::size_t>(r)] -
                                       network->task_means[static_cast<std::size_t>(task)]) / network->target_scale;
                const std::size_t at = static_cast<std::size_t>(i * train.task_count() + task);
                const double error = outputs[at] - target;
                squared_error += error * error;
                // d/d output of the batch's mean of 1/2 error^2.
                grad.values[at] = static_cast<float>(error / static_cast<double>(batch));
            }
            device_grad.resize(backend, batch, train.task_count(), "hard sharing output gradient");
            device_grad.upload(grad);
            nn::BackwardPass backward(backend, *network->parameters, gradients);
            network->layers->backward(backward, forward.saved, device_grad.view(), false);
            optimizer.step(*network->parameters, gradients, static_cast<float>(learning_rate_));
        }
        const double mean_squared_error = squared_error / rows;
        if (!std::isfinite(mean_squared_error)) {
            throw std::runtime_error("hard parameter sharing diverged in epoch " + std::to_string(epoch) +
                                     " (the training error is not finite); lower method.learning_rate");
        }
        const SolverIteration iteration{static_cast<int>(epoch), mean_squared_error, std::numeric_limits<double>::quiet_NaN()};
        outcome.iterations.push_back(iteration);
        if (control.on_iteration) control.on_iteration(iteration);
        if (control.should_stop && control.should_stop()) {
            outcome.converged = false;
            break;
        }
    }
    network_ = std::move(network);
    return outcome;
}

std::vector<double> HardParameterSharing::predict(const MultiTaskData& data) const {
    if (!network_ || data.task_count() != network_->tasks || data.features != network_->features) {
        throw std::logic_error("hard parameter sharing: predicting tasks it was not fitted on");
    }
    Backend& backend = *network_->backend;
    std::vector<double> predictions;
    DeviceMatrix device_input;
    for (std::int64_t t = 0; t < data.task_count(); ++t) {
        const TaskData& task = data.tasks[static_cast<std::size_t>(t)];
        if (task.rows == 0) continue;
        HostMatrix input(task.rows, data.features);
        network_->standardized(task, 0, task.rows, input);
        device_input.resize(backend, task.rows, data.features, "hard sharing evaluation rows");
        device_input.upload(input);
        const nn::ForwardPass pass{backend, *network_->parameters, false};
        const nn::Forward forward = network_->layers->forward(pass, nn::ModuleInput(device_input.view()));
        std::vector<float> outputs(static_cast<std::size_t>(forward.output.size()));
        backend.copy_device_to_host(outputs.data(), forward.output.data, sizeof(float) * outputs.size());
        for (std::int64_t r = 0; r < task.rows; ++r) {
            predictions.push_back(network_->task_means[static_cast<std::size_t>(t)] +
                                  network_->target_scale * outputs[static_cast<std::size_t>(r * data.task_count() + t)]);
        }
    }
    return predictions;
}

std::vector<MatrixSnapshot> HardParameterSharing::structure_snapshots(const MultiTaskData& train) const {
    // The heads' weights, tasks x trunk units: tasks whose heads point the same way share what they read
    // from the trunk.
    if (!network_) return {};
    const std::optional<std::size_t> heads = network_->layout.find("task_heads.weight");
    if (!heads) return {};
    const ParameterSegment& segment = network_->layout.segment(*heads);
    const std::vector<float> values = network_->parameters->download();
    MatrixSnapshot snapshot;
    snapshot.name = "task heads (tasks x trunk units)";
    snapshot.rows = segment.cols;
    snapshot.cols = segment.rows;
    for (std::int64_t t = 0; t < segment.cols; ++t) {
        for (std::int64_t unit = 0; unit < segment.rows; ++unit) {
            snapshot.values.push_back(values[static_cast<std::size_t>(segment.offset + unit * segment.cols + t)]);
        }
    }
    snapshot.labels.rows = task_names(train);
    return {snapshot};
}

std::string HardParameterSharing::structure_summary() const {
    std::string widths;
    for (const std::int64_t width : trunk_widths_) widths += (widths.empty() ? "" : "-") + std::to_string(width);
    return "shared trunk " + widths + " with " + (network_ ? std::to_string(network_->tasks) : std::string("?")) +
           " task heads, " + std::to_string(network_ ? network_->layout.parameter_count() : 0) + " parameters";
}

}  // namespace tb
