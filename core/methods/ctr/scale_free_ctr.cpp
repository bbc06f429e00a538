#include "core/methods/ctr/scale_free_ctr.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <thread>

#include "core/data/ctr/criteo_reader.h"
#include "core/data/ctr/ctr_dataset.h"
#include "core/embedding/embedding_store.h"
#include "core/errors.h"
#include "core/methods/ctr/ctr_trainer.h"
#include "core/methods/ctr/sharded_ctr_trainer.h"
#include "core/methods/method_settings.h"
#include "core/metrics/classification_metrics.h"
#include "core/model/ctr_models.h"
#include "core/session/run_context.h"

namespace tb {

namespace {

struct ScaleFreeCtrSettings {
    std::string architecture = "deepfm";
    std::int64_t embedding_dim = 16;
    std::vector<std::int64_t> hidden = {400, 400, 400};
    std::int64_t cross_layers = 3;
    std::string placement = "cached";
    std::int64_t cache_rows = 100000;
    std::string cache_policy = "lfu";
    std::string row_optimizer = "adagrad";
    double embedding_learning_rate = 0.05;
    double dense_learning_rate = 1e-3;
    double init_scale = 0.01;
    std::int64_t batch_size = 4096;
    bool pipelined = true;
    std::int64_t queue_depth = 4;
    std::string memory_map;
    std::int64_t trace_every_steps = 0;
};

const FieldTable<ScaleFreeCtrSettings>& scale_free_ctr_fields() {
    using S = ScaleFreeCtrSettings;
    static const FieldTable<S> table = [] {
        FieldTable<S> t;
        t.text_choice("architecture", &S::architecture, {"wide_deep", "deepfm", "dcn"}, "Model",
                      "Wide & Deep (linear part and MLP), DeepFM (linear part, factorization machine and MLP), or "
                      "Deep & Cross (cross layers beside an MLP)");
        t.integer("embedding_dim", &S::embedding_dim, "Embedding dimension", SettingRange::between(1, 1024),
                  "floats per embedding row");
        t.integer_list("hidden", &S::hidden, "Hidden layers", SettingRange::above(0),
                       "widths of the MLP's hidden layers, input side first");
        t.integer("cross_layers", &S::cross_layers, "Cross layers", SettingRange::between(1, 64), "dcn: cross layers");
        t.text_choice("placement", &S::placement, {"cached", "parameter_server", "all_on_device"}, "Embedding placement",
                      "cached: the table on the host, hot rows cached on the device; parameter_server: rows pulled "
                      "and pushed every step, updated on the host; all_on_device: the whole table on the device");
        t.integer("cache_rows", &S::cache_rows, "Cache rows", SettingRange::between(1, 1 << 30),
                  "cached: embedding rows the device cache holds (at least two batches' distinct rows)");
        t.text_choice("cache_policy", &S::cache_policy, {"lru", "lfu"}, "Cache policy",
                      "which row leaves the cache: the least recently or the least frequently used");
        t.text_choice("row_optimizer", &S::row_optimizer, {"sgd", "adagrad", "adam"}, "Embedding optimizer",
                      "the update of each embedding row, lazily applied to the rows a batch looks up");
        t.number("embedding_learning_rate", &S::embedding_learning_rate, "Embedding learning rate",
                 SettingRange::above(0), "of the embedding rows' optimizer");
        t.number("dense_learning_rate", &S::dense_learning_rate, "Dense learning rate", SettingRange::above(0),
                 "Adam's, for the towers and the dense fields' weights");
        t.number("init_scale", &S::init_scale, "Embedding init scale", SettingRange::above(0),
                 "embedding rows start uniform in [-scale, scale]");
        t.integer("batch_size", &S::batch_size, "Batch size", SettingRange::between(1, 1 << 24), "rows per step");
        t.flag("pipelined", &S::pipelined, "Pipelined",
               "overlap loading, the host table manager and the device worker (parameter_server runs one stage at a time)");
        t.integer("queue_depth", &S::queue_depth, "Queue depth", SettingRange::between(1, 1024),
                  "batches the loader may prepare ahead");
        t.text("memory_map", &S::memory_map, "Memory-mapped table",
               "a file to hold the embedding table (created anew; it may be larger than memory); empty: in memory; "
               "relative to the config file",
               SettingType::file);
        t.integer("trace_every_steps", &S::trace_every_steps, "Trace every (steps)", SettingRange::at_least(0),
                  "steps summed into each point of the cache, traffic and pipeline traces (0: about 200 points an epoch)");
        return t;
    }();
    return table;
}

std::string fixed(double value, int digits) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, value);
    return text;
}

std::vector<std::uint8_t> truth_of(const CtrRows& rows) {
    std::vector<std::uint8_t> truth;
    truth.reserve(rows.labels.size());
    for (float label : rows.labels) truth.push_back(label > 0.5f ? 1 : 0);
    return truth;
}

// Steps summed into one point of the traces.
struct TraceWindow {
    std::int64_t steps = 0;
    std::int64_t rows = 0;
    EmbeddingTraffic traffic;
    double load_seconds = 0, table_seconds = 0, device_seconds = 0;
    double loaded_depth = 0, staged_depth = 0;
    double loss = 0;

    void add(const CtrStepRecord& record) {
        ++steps;
        rows += record.rows;
        traffic += record.traffic;
        load_seconds += record.load_seconds;
        table_seconds += record.table_seconds;
        device_seconds += record.device_seconds;
        loaded_depth += static_cast<double>(record.loaded_queue_depth);
        staged_depth += static_cast<double>(record.staged_queue_depth);
        loss += record.loss * static_cast<double>(record.rows);
    }
};

void publish_window(RunContext& context, const TraceWindow& window, bool cached) {
    const double steps = static_cast<double>(window.steps);
    const double mebibyte = 1024.0 * 1024.0;
    auto trace = [&](const char* panel, const char* series, double value) { context.publish(Trace{panel, series, "", 0, value}); };
    if (cached && window.traffic.distinct_rows > 0) {
        trace("embedding cache", "hit rate (distinct rows found on the device)",
              static_cast<double>(window.traffic.hits) / static_cast<double>(window.traffic.distinct_rows));
    }
    trace("host-device traffic per step (MiB)", "host to device", static_cast<double>(window.traffic.bytes_host_to_device) / mebibyte / steps);
    trace("host-device traffic per step (MiB)", "device to host", static_cast<double>(window.traffic.bytes_device_to_host) / mebibyte / steps);
    trace("embedding rows per step", "ids looked up", static_cast<double>(window.traffic.lookups) / steps);
    trace("embedding rows per step", "distinct rows (virtual sparse ids)", static_cast<double>(window.traffic.distinct_rows) / steps);
    trace("embedding rows per step", "rows moved from the host", static_cast<double>(window.traffic.misses) / steps);
    const double rows = static_cast<double>(window.rows);
    if (window.load_seconds > 0) trace("stage throughput (rows/s of busy time)", "loader", rows / window.load_seconds);
    if (window.table_seconds > 0) trace("stage throughput (rows/s of busy time)", "table manager", rows / window.table_seconds);
    if (window.device_seconds > 0) trace("stage throughput (rows/s of busy time)", "device worker", rows / window.device_seconds);
    trace("queue depths (batches)", "loaded, waiting for the table manager", window.loaded_depth / steps);
    trace("queue depths (batches)", "staged, waiting for the device worker", window.staged_depth / steps);
    trace("training log loss", "batch mean", window.loss / rows);
}

// What every trainer's steps report: the loss checked, the rows counted, the traces published every
// `trace_every` steps.
class StepTelemetry {
public:
    StepTelemetry(RunContext& context, bool cached, std::int64_t trace_every)
        : context_(context), cached_(cached), trace_every_(trace_every) {}

    void add(const CtrStepRecord& record) {
        if (!std::isfinite(record.loss)) {
            throw RunDiverged("the training log loss became " + std::to_string(record.loss) + " at step " +
                              std::to_string(record.step + 1));
        }
        rows_seen_ += record.rows;
        window_.add(record);
        if (window_.steps >= trace_every_) flush();
    }
    // Publishes the steps not yet in a trace point.
    void flush() {
        if (window_.steps == 0) return;
        publish_window(context_, window_, cached_);
        window_ = TraceWindow{};
    }
    std::int64_t rows_seen() const { return rows_seen_; }

private:
    RunContext& context_;
    bool cached_;
    std::int64_t trace_every_;
    TraceWindow window_;
    std::int64_t rows_seen_ = 0;
};

// Steps summed into each trace point: the knob, or about 200 points an epoch.
std::int64_t trace_interval(const ScaleFreeCtrSettings& settings, std::int64_t train_rows) {
    if (settings.trace_every_steps > 0) return settings.trace_every_steps;
    const std::int64_t steps_per_epoch = (train_rows + settings.batch_size - 1) / settings.batch_size;
    return std::max<std::int64_t>(1, steps_per_epoch / 200);
}

// The rows an evaluation scores (the first eval.max_samples of the test set, all of it when 0), their
// truth, and the metrics of a trainer's probabilities on them.
class ClickEvaluation {
public:
    ClickEvaluation(const CtrRows& test, const EvalConfig& eval) {
        const std::int64_t rows = eval.max_samples > 0 ? std::min(eval.max_samples, test.rows()) : test.rows();
        if (rows < test.rows()) slice_ = slice_rows(test, 0, rows);
        rows_ = rows < test.rows() ? &slice_ : &test;
        truth_ = truth_of(*rows_);
    }
    const CtrRows& rows() const { return *rows_; }
    std::map<std::string, double> metrics(const std::vector<double>& probabilities) const {
        return {{"roc_auc", binary_roc_auc(probabilities, truth_)}, {"loss", binary_log_loss(probabilities, truth_)}};
    }

private:
    CtrRows slice_;
    const CtrRows* rows_ = nullptr;
    std::vector<std::uint8_t> truth_;
};

// Streamed training: every pass reads the file a batch at a time in file order. Rows the loader has read
// ahead cannot be put back, so a pass is not interrupted for an evaluation: evaluations come when a pass
// ends (and the run stops mid-pass only to end).
void run_streamed(RunContext& context, const CtrSplit& split, CtrTrainer& trainer, EmbeddingStore& store,
                  const RunContext::Measurement& measure) {
    context.log(LogLevel::info, "training rows stream from " + split.train_stream.string() +
                                    " on every pass; evaluations come at the end of each pass");
    StepTelemetry telemetry(context, store.placement() == EmbeddingPlacement::cached, 20);
    std::int64_t rows_per_pass = 0;  // known after the first pass
    for (std::int64_t pass = 0; !context.should_stop(); ++pass) {
        CriteoStream stream(split.train_stream, split.train_stream_options);
        std::int64_t rows_this_pass = 0;
        const CtrEpochResult result = trainer.train_stream(stream, split.test, [&](const CtrStepRecord& record) {
            telemetry.add(record);
            rows_this_pass += record.rows;
            const double fraction = rows_per_pass > 0 ? std::min(1.0, static_cast<double>(rows_this_pass) /
                                                                          static_cast<double>(rows_per_pass))
                                                      : 0.0;
            context.set_progress(static_cast<double>(pass) + fraction, telemetry.rows_seen());
            return !context.should_stop();
        });
        if (stream.malformed_lines_skipped() > 0) {
            context.log(LogLevel::warning, std::to_string(stream.malformed_lines_skipped()) +
                                               " malformed lines skipped in this pass, the first: " + stream.first_skipped_error());
        }
        if (result.stopped) break;
        if (rows_this_pass == 0) throw DataError(split.train_stream.string() + ": no training rows");
        rows_per_pass = rows_this_pass;
        context.set_progress(static_cast<double>(pass + 1), telemetry.rows_seen());
        if (context.evaluation_due()) context.evaluate(measure);
    }
    telemetry.flush();
    if (!context.evaluation_is_current()) context.evaluate(measure);
}

// A fleet of devices: the dense part data-parallel, the rows sharded by id (core/methods/ctr/sharded_ctr_trainer.h).
// Steps run one stage after another, so an evaluation may come between any two steps.
void run_sharded(RunContext& context, const CtrSplit& split, const CtrModelSpec& model_spec,
                 const EmbeddingStoreSpec& store_spec, const CtrTrainerSettings& trainer_settings,
                 const ScaleFreeCtrSettings& settings) {
    const RunConfig& config = context.config();
    const std::size_t devices = config.fleet.devices.size();
    // CPU devices share the machine's cores.
    const int cpu_threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency() / devices));
    std::vector<std::unique_ptr<Backend>> backends;
    std::vector<Backend*> pointers;
    for (const DeviceSpec& device : config.fleet.devices) {
        backends.push_back(context.create_backend(device, cpu_threads));
        pointers.push_back(backends.back().get());
    }
    ShardedCtrTrainer trainer(model_spec, store_spec, pointers, trainer_settings, config.seed);
    context.log(LogLevel::info, std::to_string(devices) + " devices: the dense part data-parallel with its gradients "
                                    "summed, the embedding rows sharded by id (id mod " + std::to_string(devices) +
                                    "), each shard " + settings.placement + "; batches of " + std::to_string(settings.batch_size) +
                                    " rows split across the devices" +
                                    (settings.pipelined ? "; stages run one after another (pipelined is for one device)" : ""));
    const ClickEvaluation evaluation(split.test, config.eval);
    const auto measure = [&] { return evaluation.metrics(trainer.predict(evaluation.rows(), config.eval.batch_size)); };
    const std::int64_t train_rows = split.train.rows();
    StepTelemetry telemetry(context, store_spec.placement == EmbeddingPlacement::cached, trace_interval(settings, train_rows));
    std::vector<std::int64_t> order(static_cast<std::size_t>(train_rows));
    std::mt19937_64 shuffler(config.seed);
    while (!context.should_stop()) {
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), shuffler);
        const CtrEpochResult pass = trainer.train_epoch(split.train, order, [&](const CtrStepRecord& record) {
            telemetry.add(record);
            context.set_progress(static_cast<double>(telemetry.rows_seen()) / static_cast<double>(train_rows),
                                 telemetry.rows_seen());
            if (context.evaluation_due()) context.evaluate(measure);
            return !context.should_stop();
        });
        if (pass.stopped) break;
    }
    telemetry.flush();
    if (!context.evaluation_is_current()) context.evaluate(measure);
}

}  // namespace

nlohmann::json ScaleFreeCtr::normalize(ConfigReader& reader) { return normalize_settings(scale_free_ctr_fields(), reader); }

SettingsForm ScaleFreeCtr::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(scale_free_ctr_fields(), parameters);
}

void ScaleFreeCtr::check_with_other_sections(const RunConfig& config) {
    for (std::size_t i = 0; i < config.eval.metrics.size(); ++i) {
        const std::string& metric = config.eval.metrics[i];
        if (metric != "roc_auc" && metric != "loss") {
            throw ConfigError("eval.metrics[" + std::to_string(i) + "]: '" + metric +
                              "' is not measured by scale_free_ctr, which measures roc_auc and loss (the log loss)");
        }
    }
    if (config.fleet.devices.size() > 1 && config.dataset.stream_train) {
        throw ConfigError("dataset.stream_train: a streamed training file trains on one device, and the fleet has " +
                          std::to_string(config.fleet.devices.size()) + "; keep one, or hold the rows in memory");
    }
    if (config.fleet.simulated()) {
        throw ConfigError("fleet.clock: scale_free_ctr measures its pipeline's overlap on the wall clock; set it to wall");
    }
}

void ScaleFreeCtr::run(RunContext& context, const LoadedData& data) {
    const CtrSplit& split = data.clicks();
    const RunConfig& config = context.config();
    ConfigReader reader(parameters_, "method");
    ScaleFreeCtrSettings settings;
    scale_free_ctr_fields().read(reader, settings);

    CtrModelSpec model_spec;
    model_spec.architecture = ctr_architecture_names().value(settings.architecture);
    // The test rows have the fields of the training rows, which a streamed run does not hold.
    model_spec.categorical_fields = split.test.categorical_fields;
    model_spec.dense_fields = split.test.dense_fields;
    model_spec.embedding_dim = settings.embedding_dim;
    model_spec.hidden = settings.hidden;
    model_spec.cross_layers = static_cast<int>(settings.cross_layers);

    EmbeddingStoreSpec store_spec;
    store_spec.table.rows = std::max(split.train.total_buckets(), split.test.total_buckets());
    store_spec.table.dim = static_cast<int>(ctr_embedding_width(model_spec));
    store_spec.table.optimizer.kind = row_optimizer_names().value(settings.row_optimizer);
    store_spec.table.optimizer.learning_rate = static_cast<float>(settings.embedding_learning_rate);
    store_spec.table.init_scale = settings.init_scale;
    store_spec.table.seed = config.seed + 1;
    if (!settings.memory_map.empty()) {
        std::filesystem::path file(settings.memory_map);
        if (file.is_relative() && !config.config_folder.empty()) file = config.config_folder / file;
        store_spec.table.memory_map = file;
    }
    store_spec.placement = embedding_placement_names().value(settings.placement);
    store_spec.cache_rows = settings.cache_rows;
    store_spec.policy = cache_policy_names().value(settings.cache_policy);

    CtrTrainerSettings trainer_settings;
    trainer_settings.batch_size = settings.batch_size;
    trainer_settings.pipelined = settings.pipelined;
    trainer_settings.queue_depth = static_cast<int>(settings.queue_depth);
    trainer_settings.dense_learning_rate = static_cast<float>(settings.dense_learning_rate);
    if (config.fleet.devices.size() > 1) {
        run_sharded(context, split, model_spec, store_spec, trainer_settings, settings);
        return;
    }
    const std::unique_ptr<Backend> device = context.create_backend(config.fleet.devices.front());
    CtrModel model(model_spec, *device, config.seed);
    EmbeddingStore store(store_spec, *device);
    CtrTrainer trainer(model, store, *device, trainer_settings);

    context.log(LogLevel::info, settings.architecture + ": " + std::to_string(model.layout().parameter_count()) +
                                    " dense parameters; embedding table " + std::to_string(store_spec.table.rows) + " rows x " +
                                    std::to_string(store_spec.table.dim) + " (" +
                                    fixed(store.host_table().table_bytes() / (1024.0 * 1024.0 * 1024.0), 3) + " GiB with its " +
                                    settings.row_optimizer + " state" + (store.host_table().memory_mapped() ? ", memory-mapped" : "") +
                                    "), placement " + settings.placement +
                                    (store_spec.placement == EmbeddingPlacement::cached
                                         ? " with a " + settings.cache_policy + " cache of " + std::to_string(settings.cache_rows) + " rows"
                                         : std::string()));
    if (!split.planted_test_probability.empty()) {
        const std::vector<std::uint8_t> truth = truth_of(split.test);
        context.log(LogLevel::info, "the planted model scores the test rows at ROC-AUC " +
                                        fixed(binary_roc_auc(split.planted_test_probability, truth), 4) + " and log loss " +
                                        fixed(binary_log_loss(split.planted_test_probability, truth), 4) +
                                        ": the best any model can reach");
    }
    const ClickEvaluation evaluation(split.test, config.eval);
    const auto measure = [&] { return evaluation.metrics(trainer.predict(evaluation.rows(), config.eval.batch_size)); };

    if (!split.train_stream.empty()) {
        run_streamed(context, split, trainer, store, measure);
        return;
    }
    const std::int64_t train_rows = split.train.rows();
    const bool cached = store_spec.placement == EmbeddingPlacement::cached;
    StepTelemetry telemetry(context, cached, trace_interval(settings, train_rows));
    std::vector<std::int64_t> order(static_cast<std::size_t>(train_rows));
    std::mt19937_64 shuffler(config.seed);
    bool evaluate_now = false;
    for (std::int64_t epoch = 0; !context.should_stop(); ++epoch) {
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), shuffler);
        std::size_t done = 0;
        while (done < order.size()) {
            // A pass stops early for an evaluation (which reads the whole table, so nothing may be in flight)
            // or the end of the run, and picks up where it stopped.
            const CtrEpochResult pass = trainer.train_epoch(split.train, std::span(order).subspan(done), [&](const CtrStepRecord& record) {
                telemetry.add(record);
                context.set_progress(static_cast<double>(telemetry.rows_seen()) / static_cast<double>(train_rows),
                                     telemetry.rows_seen());
                evaluate_now = context.evaluation_due();
                return !evaluate_now && !context.should_stop();
            });
            done += static_cast<std::size_t>(pass.rows);
            if (evaluate_now) {
                context.evaluate(measure);
                evaluate_now = false;
            }
            if (pass.stopped && context.should_stop()) break;
        }
        if (done == order.size() && epoch == 0) {
            context.log(LogLevel::info, "first epoch: " + std::to_string((train_rows + settings.batch_size - 1) / settings.batch_size) +
                                            " steps; cache hit rate " +
                                            (cached ? fixed(static_cast<double>(store.total_traffic().hits) /
                                                                std::max<double>(1, static_cast<double>(store.total_traffic().distinct_rows)), 3)
                                                    : std::string("-")) +
                                            ", duplicate ratio (ids looked up / distinct rows) " +
                                            fixed(static_cast<double>(store.total_traffic().lookups) /
                                                      std::max<double>(1, static_cast<double>(store.total_traffic().distinct_rows)), 2));
        }
    }
    telemetry.flush();
    if (!context.evaluation_is_current()) context.evaluate(measure);
}

}  // namespace tb
