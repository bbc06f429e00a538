// What the embedding store moves, on Criteo-shaped batches of synthetic click data (26 Zipf fields): the
// duplicate ratio of a batch and the bytes virtual sparse ids save, and for a table a chosen multiple of
// the device cache, the cache's hit rate under LRU and LFU, and bytes and host-side time per step of the
// cached store against the parameter-server pull and push and against all rows on the device. The model's
// gradient is stood in for by a function of the rows (no model runs), so the times are the store's own.
//
//   embedding_traffic_bench [--batch 4096] [--vocabulary 400000] [--cache-fraction 0.1] [--zipf 1.1]
//                           [--dim 16] [--steps 200] [--warmup 100] [--optimizer adagrad]

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "core/backend/cpu_backend.h"
#include "core/data/ctr/synthetic_ctr.h"
#include "core/embedding/embedding_store.h"

namespace {

using namespace tb;

struct Measured {
    EmbeddingTraffic traffic;
    double seconds_per_step = 0;
};

// The first `warmup` steps fill the cache and touch rows for the first time; the figures are of the rest.
Measured run(const CtrRows& rows, EmbeddingStoreSpec spec, std::int64_t batch, std::int64_t warmup, std::int64_t steps) {
    CpuBackend device(1);
    EmbeddingStore store(spec, device);
    const int fields = rows.categorical_fields;
    std::vector<std::int64_t> offsets(static_cast<std::size_t>(fields));
    for (int f = 0; f < fields; ++f) offsets[static_cast<std::size_t>(f)] = rows.field_offset(f);
    std::vector<std::int64_t> lookups(static_cast<std::size_t>(batch * fields));
    std::vector<float> gradient;
    auto started = std::chrono::steady_clock::now();
    EmbeddingTraffic before;
    for (std::int64_t step = 0; step < warmup + steps; ++step) {
        if (step == warmup) {
            before = store.total_traffic();
            started = std::chrono::steady_clock::now();
        }
        const std::int64_t first = (step * batch) % (rows.rows() - batch + 1);
        for (std::int64_t r = 0; r < batch; ++r) {
            for (int f = 0; f < fields; ++f) {
                const auto at = static_cast<std::size_t>((first + r) * fields + f);
                lookups[static_cast<std::size_t>(r * fields + f)] = offsets[static_cast<std::size_t>(f)] + rows.categorical[at];
            }
        }
        const EmbeddingStore::Prepared& prepared = store.prepare(lookups);
        const std::int64_t values = prepared.compact_rows.rows * prepared.compact_rows.cols;
        gradient.resize(static_cast<std::size_t>(values));
        for (std::int64_t i = 0; i < values; ++i) gradient[static_cast<std::size_t>(i)] = 0.01f * prepared.compact_rows.data[i];
        store.apply_gradient(ConstMatrixView(gradient.data(), prepared.compact_rows.rows, prepared.compact_rows.cols));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EmbeddingTraffic measured = store.total_traffic();
    measured -= before;
    return {measured, seconds / static_cast<double>(steps)};
}

}  // namespace

int main(int argc, char** argv) {
    std::int64_t batch = 4096;
    std::int64_t vocabulary = 400000;
    double cache_fraction = 0.1;
    double zipf = 1.1;
    int dim = 16;
    std::int64_t steps = 200;
    std::int64_t warmup = 100;
    std::string optimizer = "adagrad";
    CLI::App app("Bytes and time the embedding store spends per step: virtual ids, the device cache, the baselines.",
                 "embedding_traffic_bench");
    app.add_option("--batch", batch, "rows per batch (26 lookups each)")->check(tb::cli::whole_number_at_least(1))->capture_default_str();
    app.add_option("--vocabulary", vocabulary, "ids per categorical field")->check(tb::cli::whole_number_at_least(2))->capture_default_str();
    app.add_option("--cache-fraction", cache_fraction, "device cache rows as a fraction of the table")->capture_default_str();
    app.add_option("--zipf", zipf, "Zipf exponent of the ids")->capture_default_str();
    app.add_option("--dim", dim, "embedding dimension")->capture_default_str();
    app.add_option("--steps", steps, "batches timed")->check(tb::cli::whole_number_at_least(1))->capture_default_str();
    app.add_option("--warmup", warmup, "batches before the timing starts (the cache fills)")->capture_default_str();
    app.add_option("--optimizer", optimizer, "row optimizer: sgd, adagrad or adam")->capture_default_str();
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;

    SyntheticCtrSpec data;
    data.train_rows = batch * (warmup + steps);  // every batch new data, as an epoch of a large set
    data.test_rows = 1000;
    data.vocabulary_per_field = vocabulary;
    data.zipf_exponent = zipf;
    const CtrRows rows = generate_synthetic_ctr(data).train;

    EmbeddingStoreSpec spec;
    spec.table.rows = rows.total_buckets();
    spec.table.dim = dim;
    spec.table.optimizer.kind = row_optimizer_names().value(optimizer);
    spec.cache_rows = static_cast<std::int64_t>(cache_fraction * static_cast<double>(spec.table.rows));
    const double record_bytes = static_cast<double>(row_record_floats(spec.table.optimizer.kind, dim)) * sizeof(float);
    const double row_bytes = static_cast<double>(dim) * sizeof(float);
    std::printf("table %lld rows x %d (%s, %.0f bytes a record), cache %lld rows (%.0f%%), batch %lld x 26 fields, Zipf %.2f, "
                "%lld steps measured after %lld\n",
                static_cast<long long>(spec.table.rows), dim, optimizer.c_str(), record_bytes,
                static_cast<long long>(spec.cache_rows), 100 * cache_fraction, static_cast<long long>(batch), zipf,
                static_cast<long long>(steps), static_cast<long long>(warmup));

    for (const auto& [label, placement, policy] :
         {std::tuple{"cached, lru", EmbeddingPlacement::cached, CachePolicy::lru},
          std::tuple{"cached, lfu", EmbeddingPlacement::cached, CachePolicy::lfu},
          std::tuple{"parameter server", EmbeddingPlacement::parameter_server, CachePolicy::lru},
          std::tuple{"all on device", EmbeddingPlacement::all_on_device, CachePolicy::lru}}) {
        spec.placement = placement;
        spec.policy = policy;
        const Measured measured = run(rows, spec, batch, warmup, steps);
        const EmbeddingTraffic& t = measured.traffic;
        const double per_step = static_cast<double>(steps);
        if (placement == EmbeddingPlacement::cached && policy == CachePolicy::lru) {
            const double duplicate_ratio = static_cast<double>(t.lookups) / static_cast<double>(t.distinct_rows);
            std::printf("lookups per step %.0f, distinct rows per step %.0f: duplicate ratio %.2f; a row per lookup would move "
                        "%.0f bytes a step, a row per distinct id %.0f (%.2fx less)\n",
                        static_cast<double>(t.lookups) / per_step, static_cast<double>(t.distinct_rows) / per_step,
                        duplicate_ratio, static_cast<double>(t.lookups) / per_step * row_bytes,
                        static_cast<double>(t.distinct_rows) / per_step * row_bytes, duplicate_ratio);
        }
        std::printf("%-17s hit rate %.3f  host->device %9.0f B/step  device->host %9.0f B/step  store time %.3f ms/step\n",
                    label, t.distinct_rows > 0 ? static_cast<double>(t.hits) / static_cast<double>(t.distinct_rows) : 0.0,
                    static_cast<double>(t.bytes_host_to_device) / per_step, static_cast<double>(t.bytes_device_to_host) / per_step,
                    1000 * measured.seconds_per_step);
    }
    return 0;
}
