#include "core/methods/data_parallel/adaptive_sgd.h"

#include "core/methods/method_settings.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>
#include <optional>
#include <string>

#include "core/data/shuffled_batcher.h"
#include "core/fleet/executor.h"
#include "core/fleet/model_merge.h"
#include "core/fleet/replica_merge.h"
#include "core/errors.h"
#include "core/session/training_session.h"

namespace tb {

const EnumNames<MergeRule>& merge_rule_names() {
    static const EnumNames<MergeRule> names{{MergeRule::update_share, "update_share"},
                                            {MergeRule::authors_l2_trend, "authors_l2_trend"}};
    return names;
}

namespace {

using Settings = AdaptiveSgdSettings;

const FieldTable<Settings>& adaptive_sgd_fields() {
    static const FieldTable<Settings> table = [] {
        FieldTable<Settings> t;
        t.integer("mega_batch", &Settings::mega_batch, "Mega-batch", SettingRange::between(1, 1e12),
                  "rows the fleet trains on between two merges");
        t.integer("batch_min", &Settings::batch_min, "Smallest batch", SettingRange::between(1, 1 << 20),
                  "the scheduler never shrinks a device's batch below this");
        t.integer("batch_max", &Settings::batch_max, "Largest batch", SettingRange::between(1, 1 << 20),
                  "the batch every device starts from after warm-up, and the rate's reference batch")
            .check([](const Settings& s, const ConfigReader& reader) {
                if (s.batch_max < s.batch_min) {
                    reader.fail("batch_max", "must be at least batch_min (" + std::to_string(s.batch_min) + "), got " +
                                                 std::to_string(s.batch_max));
                }
            });
        t.integer("batch_step", &Settings::batch_step, "Batch step", SettingRange::between(1, 1 << 20),
                  "rows added to or taken from a device's batch at each merge")
            .check([](const Settings& s, const ConfigReader& reader) {
                if (s.batch_step > s.batch_max) {
                    reader.fail("batch_step", "must be at most batch_max (" + std::to_string(s.batch_max) + "), got " +
                                                  std::to_string(s.batch_step));
                }
            });
        t.integer("batch_after_warmup", &Settings::batch_after_warmup, "Batch after warm-up",
                  SettingRange::between(1, 1 << 20), "every device's batch when warm-up ends (default: batch_max)")
            .default_from([](Settings& s) { s.batch_after_warmup = s.batch_max; })
            .check([](const Settings& s, const ConfigReader& reader) {
                if (s.batch_after_warmup < s.batch_min || s.batch_after_warmup > s.batch_max) {
                    reader.fail("batch_after_warmup", "must be between batch_min and batch_max (" +
                                                          std::to_string(s.batch_min) + " and " +
                                                          std::to_string(s.batch_max) + "), got " +
                                                          std::to_string(s.batch_after_warmup));
                }
            });
        t.number("warmup_epochs", &Settings::warmup_epochs, "Warm-up epochs", SettingRange::between(0, 1e6),
                 "epochs of plain averaging before batch sizes adapt");
        t.number("merge_momentum", &Settings::merge_momentum, "Merge momentum", SettingRange::between(0, 0.999),
                 "momentum of the merged model across merges");
        t.number("lr_decay", &Settings::lr_decay, "Rate decay", SettingRange::between(0, 1e6),
                 "decay of each worker's rate with its update count (0: none)");
        t.choice("merge_rule", &Settings::merge_rule, merge_rule_names(), "Merge rule",
                 "update_share: merge weights are the update shares; authors_l2_trend: after warm-up, while the "
                 "merged model's L2 norm grows, the largest share gains a tenth and the smallest loses a tenth, "
                 "not renormalized, as the authors' code does (the trend flag is a reconstruction)");
        return t;
    }();
    return table;
}

}  // namespace

AdaptiveSgd::AdaptiveSgd(const nlohmann::json& parameters) {
    settings_.mega_batch = parameters.at("mega_batch").get<std::int64_t>();
    settings_.batch_min = parameters.at("batch_min").get<std::int64_t>();
    settings_.batch_max = parameters.at("batch_max").get<std::int64_t>();
    settings_.batch_step = parameters.at("batch_step").get<std::int64_t>();
    settings_.batch_after_warmup = parameters.at("batch_after_warmup").get<std::int64_t>();
    settings_.warmup_epochs = parameters.at("warmup_epochs").get<double>();
    settings_.merge_momentum = parameters.at("merge_momentum").get<double>();
    settings_.lr_decay = parameters.at("lr_decay").get<double>();
    settings_.merge_rule = merge_rule_names().value(parameters.at("merge_rule").get<std::string>());
}

nlohmann::json AdaptiveSgd::normalize(ConfigReader& reader) { return normalize_settings(adaptive_sgd_fields(), reader); }

SettingsForm AdaptiveSgd::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(adaptive_sgd_fields(), parameters);
}

std::vector<std::int64_t> AdaptiveSgd::rescaled_batches(const std::vector<std::int64_t>& batches,
                                                         const std::vector<double>& update_shares,
                                                         const AdaptiveSgdSettings& settings) {
    const double fair_share = 1.0 / static_cast<double>(batches.size());
    std::vector<std::int64_t> next = batches;
    for (std::size_t i = 0; i < batches.size(); ++i) {
        if (update_shares[i] < fair_share && batches[i] > settings.batch_min) {
            next[i] = std::max(settings.batch_min, batches[i] - settings.batch_step);
        } else if (update_shares[i] > fair_share && batches[i] < settings.batch_max) {
            next[i] = std::min(settings.batch_max, batches[i] + settings.batch_step);
        }
    }
    return next;
}

std::vector<double> AdaptiveSgd::authors_trend_weights(const std::vector<double>& update_shares, bool norm_grew) {
    std::vector<double> weights = update_shares;
    if (!norm_grew || weights.empty()) return weights;
    // The first largest and the first smallest, as the authors' strict comparisons pick them; with equal
    // shares both are the first worker and its weight does not change.
    const auto largest = static_cast<std::size_t>(std::max_element(weights.begin(), weights.end()) - weights.begin());
    const auto smallest = static_cast<std::size_t>(std::min_element(weights.begin(), weights.end()) - weights.begin());
    const double largest_tenth = weights[largest] / 10;
    const double smallest_tenth = weights[smallest] / 10;
    weights[largest] += largest_tenth;
    weights[smallest] -= smallest_tenth;
    return weights;
}

AdaptiveSgd::RateReference AdaptiveSgd::rate_reference(const OptimizerConfig& optimizer, const AdaptiveSgdSettings& settings) {
    if (optimizer.lr_reference_batch > 0) return {optimizer.lr_reference_batch, optimizer.lr_scaling};
    return {settings.batch_max, BatchScaling::linear};
}

double AdaptiveSgd::learning_rate_factor(double epoch, std::int64_t batch, const AdaptiveSgdSettings& settings,
                                         const RateReference& reference) {
    if (epoch < settings.warmup_epochs) {
        // The authors' gradual warm-up: from 1% of the batch_min rate up to the full batch_min rate.
        const double ramp = 0.01 + 0.99 * epoch / settings.warmup_epochs;
        return ramp * batch_scaled_rate(1.0, settings.batch_min, reference.batch, reference.scaling);
    }
    const double decay = 1.0 / (1.0 + settings.lr_decay * (epoch - settings.warmup_epochs));
    return decay * batch_scaled_rate(1.0, batch, reference.batch, reference.scaling);
}

void AdaptiveSgd::train(TrainingSession& session) {
    std::unique_ptr<Executor> executor = create_executor(session);
    std::vector<Worker>& workers = executor->workers();
    const std::size_t n = workers.size();
    Worker& evaluated = executor->first_local_worker();
    ShuffledBatcher batcher(session.data().train.num_samples(), session.config().seed);
    ReplicaMerge replica_merge(workers, executor->combine_plan(), settings_.merge_momentum);
    session.log(LogLevel::info, "model merges: " + replica_merge.plan().reason);
    const double merge_bytes = parameter_bytes(evaluated);

    const RateReference reference = rate_reference(session.config().optimizer, settings_);
    session.log(LogLevel::info, "learning rate: optimizer.lr " + format_number(session.config().optimizer.lr) +
                                    " is the rate of a batch of " + std::to_string(reference.batch) +
                                    (session.config().optimizer.lr_reference_batch > 0 ? " (optimizer.lr_reference_batch)"
                                                                                       : " (method.batch_max)") +
                                    "; a worker at batch b trains at " +
                                    (reference.scaling == BatchScaling::linear ? "lr * b / " : "lr * sqrt(b / ") +
                                    std::to_string(reference.batch) +
                                    (reference.scaling == BatchScaling::linear ? "" : ")"));
    bool warming_up = settings_.warmup_epochs > 0;
    std::vector<std::int64_t> batches(n, warming_up ? settings_.batch_min : settings_.batch_after_warmup);
    std::int64_t merge_index = 0;
    // The shares of the latest merges, one row per merge period, oldest first: at every evaluation a
    // snapshot shows how the shares moved towards equal update counts over the last periods.
    constexpr std::size_t periods_shown = 32;
    std::deque<std::vector<double>> recent_shares;
    std::vector<std::string> device_names;
    for (const Worker& worker : workers) device_names.push_back(worker.device.name);
    // The controller's decisions as it takes them: every worker's batch and learning rate for the next
    // period, so the dashboard shows what the method chose rather than a reconstruction from row counts.
    const auto publish_decisions = [&] {
        for (std::size_t i = 0; i < n; ++i) {
            const double rate = session.base_learning_rate() * learning_rate_factor(session.epochs(), batches[i], settings_, reference);
            session.publish(Trace{"batch size decisions", device_names[i], {}, 0, static_cast<double>(batches[i])});
            session.publish(Trace{"learning rate", device_names[i], {}, 0, rate});
        }
    };
    std::int64_t merges_in_last_snapshot = 0;
    const auto publish_merge_weights = [&] {
        if (recent_shares.empty() || merges_in_last_snapshot == merge_index) return;
        merges_in_last_snapshot = merge_index;
        const auto periods = static_cast<std::int64_t>(recent_shares.size());
        std::vector<std::string> period_names;
        std::vector<double> values;
        for (std::int64_t k = 0; k < periods; ++k) {
            period_names.push_back("merge " + std::to_string(merge_index - periods + k));
            const std::vector<double>& row = recent_shares[static_cast<std::size_t>(k)];
            values.insert(values.end(), row.begin(), row.end());
        }
        session.publish(MatrixSnapshot{"merge weights, last periods", periods, static_cast<std::int64_t>(n),
                                       std::move(values), {period_names, device_names}});
    };

    const auto dispatch = [&](int worker) {
        const std::int64_t batch = batches[static_cast<std::size_t>(worker)];
        const std::span<const std::int64_t> rows = batcher.next(batch);
        // The last batch of an epoch may be short; the linear rule scales its rate with the rows it has.
        const auto rows_handed_out = static_cast<std::int64_t>(rows.size());
        const double rate = session.base_learning_rate() * learning_rate_factor(session.epochs(), rows_handed_out, settings_, reference);
        executor->submit(StepOrder{worker, {rows.begin(), rows.end()}, StepKind::update, static_cast<float>(rate), 0.0f});
        return rows_handed_out;
    };

    // authors_l2_trend: the L2 norms of the last two merged models (the trend flag compares them).
    const bool follow_norm_trend = settings_.merge_rule == MergeRule::authors_l2_trend;
    std::optional<double> last_norm;
    std::optional<double> norm_before_last;
    const auto merged_model_norm = [&] {
        const ParameterArena& parameters = evaluated.replica->parameters();
        const float* values = parameters.data();
        return std::sqrt(evaluated.backend->dot(values, values, parameters.layout().parameter_count()));
    };

    session.evaluate(*evaluated.backend, evaluated.replica->model(), evaluated.replica->parameters());
    publish_decisions();
    while (!session.should_stop()) {
        // One merge period: dynamic scheduling until mega_batch rows are handed out.
        std::vector<std::int64_t> updates(n, 0);
        std::int64_t handed_out = 0;
        const auto more_rows = [&] {
            return handed_out < settings_.mega_batch && session.epoch_budget_left(executor->rows_in_flight());
        };
        for (std::size_t i = 0; i < n && more_rows(); ++i) handed_out += dispatch(static_cast<int>(i));
        while (executor->in_flight() > 0) {
            const StepDone done = executor->next_completion();
            ++updates[static_cast<std::size_t>(done.worker)];
            if (more_rows() && !session.should_stop()) handed_out += dispatch(done.worker);
        }

        // Normalized model merging, then momentum on the merged model.
        const double total_updates = static_cast<double>(std::accumulate(updates.begin(), updates.end(), std::int64_t{0}));
        if (total_updates == 0) break;  // the epoch budget ran out exactly at the end of the last period
        std::vector<double> shares(n);
        for (std::size_t i = 0; i < n; ++i) shares[i] = static_cast<double>(updates[i]) / total_updates;
        std::vector<double> weights = shares;
        if (follow_norm_trend && !warming_up) {
            const bool norm_grew = last_norm && norm_before_last && *last_norm > *norm_before_last;
            weights = authors_trend_weights(shares, norm_grew);
        }
        replica_merge.merge(weights);
        // Optimizer states merge by the shares: the authors' local step is plain SGD and has no state, so
        // their adjustment says nothing about it, and scaling a second moment up would be a new rule.
        merge_optimizer_states(workers, shares, session.config().optimizer.state_at_merge);
        executor->communicate(merge_bytes);
        session.publish(Merge{merge_index++, weights, updates});
        if (follow_norm_trend) {
            norm_before_last = last_norm;
            last_norm = merged_model_norm();
            session.publish(Trace{"merged model L2 norm", "merged model", {}, 0, *last_norm});
        }
        recent_shares.push_back(weights);
        if (recent_shares.size() > periods_shown) recent_shares.pop_front();

        if (warming_up && session.epochs() >= settings_.warmup_epochs) {
            warming_up = false;
            std::fill(batches.begin(), batches.end(), settings_.batch_after_warmup);
        } else if (!warming_up) {
            batches = rescaled_batches(batches, shares, settings_);
        }
        publish_decisions();
        if (session.evaluation_due()) {
            publish_merge_weights();
            session.evaluate(*evaluated.backend, evaluated.replica->model(), evaluated.replica->parameters());
        }
    }
    publish_merge_weights();
    session.evaluate_final(*evaluated.backend, evaluated.replica->model(), evaluated.replica->parameters());
}

}  // namespace tb
