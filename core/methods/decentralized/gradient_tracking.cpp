#include "core/methods/decentralized/gradient_tracking.h"

#include "core/methods/method_settings.h"

#include "core/errors.h"
#include "core/methods/decentralized/decentralized_fleet.h"
#include "core/fleet/dense_gradient.h"
#include "core/optim/segment_treatment.h"
#include "core/session/training_session.h"

namespace tb {

GradientTracking::GradientTracking(const nlohmann::json& parameters)
    : settings_(decentralized_settings_from_json(parameters)) {}

nlohmann::json GradientTracking::normalize(ConfigReader& reader) { return normalize_settings(decentralized_fields(), reader); }

SettingsForm GradientTracking::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(decentralized_fields(), parameters);
}

void GradientTracking::check_with_other_sections(const RunConfig& config) {
    const OptimizerConfig& optimizer = config.optimizer;
    if (optimizer.kind != OptimizerKind::sgd || optimizer.momentum != 0) {
        throw ConfigError("method gradient_tracking steps along its tracked gradient itself: set optimizer.kind to sgd "
                          "and optimizer.momentum to 0 (got " + optimizer_kind_names().name(optimizer.kind) +
                          " with momentum " + std::to_string(optimizer.momentum) + ")");
    }
}

void GradientTracking::train(TrainingSession& session) {
    const OptimizerConfig& optimizer = session.config().optimizer;
    DecentralizedFleet fleet(session, settings_);
    const auto n = static_cast<std::size_t>(fleet.size());
    const ArenaLayout& layout = fleet.first_local_worker().replica->parameters().layout();
    SegmentTreatmentRules rules;
    rules.exclude_vectors = optimizer.exclude_vectors;
    rules.weight_decay_exclude = optimizer.weight_decay_exclude;
    const std::vector<SegmentTreatment> treatments = treat_segments(layout, rules);

    std::vector<std::vector<float>> models = fleet.download_parameters();
    std::vector<std::vector<float>> tracker;
    std::vector<std::vector<float>> previous_gradient;

    fleet.evaluate();
    while (!session.should_stop()) {
        const float rate = fleet.local_steps(StepKind::gradient);
        std::vector<std::vector<float>> gradient(n);
        for (std::size_t w = 0; w < n; ++w) {
            // A distributed run's other workers are trained, and tracked, by their own ranks.
            if (!fleet.worker(static_cast<int>(w)).local()) continue;
            gradient[w] = download_dense_gradient(fleet.worker(static_cast<int>(w)));
            for (std::size_t s = 0; s < layout.segments().size(); ++s) {
                if (!treatments[s].weight_decay || optimizer.weight_decay == 0) continue;
                const ParameterSegment& segment = layout.segment(s);
                const auto decay = static_cast<float>(optimizer.weight_decay);
                for (std::int64_t k = segment.offset; k < segment.offset + segment.size(); ++k) {
                    gradient[w][static_cast<std::size_t>(k)] += decay * models[w][static_cast<std::size_t>(k)];
                }
            }
        }
        if (tracker.empty()) {
            tracker = gradient;
        } else {
            tracker = fleet.gossip(tracker);
            for (std::size_t w = 0; w < n; ++w) {
                for (std::size_t k = 0; k < tracker[w].size(); ++k) tracker[w][k] += gradient[w][k] - previous_gradient[w][k];
            }
        }
        previous_gradient = std::move(gradient);
        for (std::size_t w = 0; w < n; ++w) {
            for (std::size_t k = 0; k < models[w].size(); ++k) models[w][k] -= rate * tracker[w][k];
        }
        models = fleet.gossip(models);
        fleet.upload_parameters(models);
        fleet.evaluate_if_due();
    }
    fleet.evaluate_final();
}

}  // namespace tb
