#include "core/embedding/embedding_store.h"

#include <algorithm>
#include <string>

#include "core/errors.h"

namespace tb {

const EnumNames<EmbeddingPlacement>& embedding_placement_names() {
    static const EnumNames<EmbeddingPlacement> names{{EmbeddingPlacement::cached, "cached"},
                                                     {EmbeddingPlacement::parameter_server, "parameter_server"},
                                                     {EmbeddingPlacement::all_on_device, "all_on_device"}};
    return names;
}

EmbeddingTraffic& EmbeddingTraffic::operator+=(const EmbeddingTraffic& other) {
    lookups += other.lookups;
    distinct_rows += other.distinct_rows;
    hits += other.hits;
    misses += other.misses;
    write_backs += other.write_backs;
    bytes_host_to_device += other.bytes_host_to_device;
    bytes_device_to_host += other.bytes_device_to_host;
    return *this;
}

EmbeddingTraffic& EmbeddingTraffic::operator-=(const EmbeddingTraffic& other) {
    lookups -= other.lookups;
    distinct_rows -= other.distinct_rows;
    hits -= other.hits;
    misses -= other.misses;
    write_backs -= other.write_backs;
    bytes_host_to_device -= other.bytes_host_to_device;
    bytes_device_to_host -= other.bytes_device_to_host;
    return *this;
}

EmbeddingStore::EmbeddingStore(const EmbeddingStoreSpec& spec, Backend& device) : spec_(spec), device_(device), table_(spec.table) {
    if (spec.placement == EmbeddingPlacement::parameter_server) return;
    if (device.memory_domain() != "host") {
        throw ConfigError("the " + embedding_placement_names().name(spec.placement) + " embedding store updates rows in device "
                          "memory the host can address; the " + device.name() + " backend's cannot be (use parameter_server there)");
    }
    const std::int64_t capacity = spec.placement == EmbeddingPlacement::all_on_device ? table_.rows() : spec.cache_rows;
    cache_ = std::make_unique<RowCache>(capacity, spec.policy);
    // The device's memory limit decides whether all_on_device fits: the allocation fails as a full GPU would.
    slots_ = DeviceBuffer<float>(device, capacity * table_.record_floats(),
                                 spec.placement == EmbeddingPlacement::all_on_device ? "the whole embedding table" : "the embedding cache");
}

float* EmbeddingStore::slot_record(std::int32_t slot) {
    return slots_.data() + static_cast<std::int64_t>(slot) * table_.record_floats();
}

void EmbeddingStore::ensure_compact_capacity(std::int64_t rows) {
    if (compact_.size() >= rows * table_.dim()) return;
    compact_ = DeviceBuffer<float>(device_, rows * table_.dim(), "embedding rows of a batch");
}

const EmbeddingStore::Prepared& EmbeddingStore::prepare(std::span<const std::int64_t> lookups) {
    mapper_.map(lookups, current_.ids);
    stage(current_);
    prepared_ = Prepared{gather(current_), &current_.ids, current_.traffic};
    return prepared_;
}

void EmbeddingStore::apply_gradient(ConstMatrixView compact_gradient) {
    apply_gradient(current_, compact_gradient);
    prepared_.traffic = current_.traffic;
}

void EmbeddingStore::stage(StagedBatch& batch, const StagedBatch* in_flight) {
    const std::int64_t distinct = batch.ids.distinct();
    const int dim = table_.dim();
    const int record_floats = table_.record_floats();
    const auto record_bytes = static_cast<std::int64_t>(record_floats * sizeof(float));
    EmbeddingTraffic traffic;
    traffic.lookups = batch.ids.lookups();
    traffic.distinct_rows = distinct;

    if (spec_.placement == EmbeddingPlacement::parameter_server) {
        // Pull: the rows' values only (their optimizer state stays with the host that updates them).
        staging_.resize(static_cast<std::size_t>(distinct * record_floats));
        table_.read_records(batch.ids.unique_ids, staging_.data());
        batch.pulled.resize(static_cast<std::size_t>(distinct * dim));
        for (std::int64_t k = 0; k < distinct; ++k) {
            std::copy_n(staging_.data() + k * record_floats, dim, batch.pulled.data() + k * dim);
        }
        traffic.misses = distinct;
        traffic.bytes_host_to_device = distinct * dim * static_cast<std::int64_t>(sizeof(float));
    } else {
        const std::span<const std::int32_t> pinned =
            in_flight != nullptr ? std::span<const std::int32_t>(in_flight->device_slots) : std::span<const std::int32_t>();
        const CachePlan plan = cache_->plan(batch.ids.unique_ids, pinned);
        // Evicted dirty rows go home before their slots are reused.
        staging_.resize(static_cast<std::size_t>(std::max(plan.write_backs.size(), plan.fetches.size()) * record_floats));
        std::vector<std::int64_t> ids;
        ids.reserve(std::max(plan.write_backs.size(), plan.fetches.size()));
        for (std::size_t i = 0; i < plan.write_backs.size(); ++i) {
            device_.copy_device_to_host(staging_.data() + i * record_floats, slot_record(plan.write_backs[i].second),
                                        static_cast<std::size_t>(record_bytes));
            ids.push_back(plan.write_backs[i].first);
        }
        table_.write_records(ids, staging_.data());
        ids.clear();
        for (const auto& [id, slot] : plan.fetches) ids.push_back(id);
        table_.read_records(ids, staging_.data());
        for (std::size_t i = 0; i < plan.fetches.size(); ++i) {
            device_.copy_host_to_device(slot_record(plan.fetches[i].second), staging_.data() + i * record_floats,
                                        static_cast<std::size_t>(record_bytes));
        }
        batch.device_slots = plan.assigned_slots;
        // Every row of the batch is updated when it trains.
        cache_->mark_dirty(batch.device_slots);
        traffic.hits = plan.hits;
        traffic.misses = plan.misses;
        traffic.write_backs = static_cast<std::int64_t>(plan.write_backs.size());
        traffic.bytes_host_to_device = static_cast<std::int64_t>(plan.fetches.size()) * record_bytes;
        traffic.bytes_device_to_host = static_cast<std::int64_t>(plan.write_backs.size()) * record_bytes;
    }
    total_ += traffic;
    batch.traffic = traffic;
}

ConstMatrixView EmbeddingStore::gather(const StagedBatch& batch) {
    const std::int64_t distinct = batch.ids.distinct();
    const int dim = table_.dim();
    const auto row_bytes = static_cast<std::size_t>(dim) * sizeof(float);
    ensure_compact_capacity(std::max<std::int64_t>(distinct, 1));
    float* compact = compact_.data();
    if (spec_.placement == EmbeddingPlacement::parameter_server) {
        device_.copy_host_to_device(compact, batch.pulled.data(), static_cast<std::size_t>(distinct) * row_bytes);
    } else {
        for (std::int64_t k = 0; k < distinct; ++k) {
            device_.copy_device_to_device(compact + k * dim, slot_record(batch.device_slots[static_cast<std::size_t>(k)]), row_bytes);
        }
    }
    return {compact, distinct, dim};
}

void EmbeddingStore::apply_gradient(StagedBatch& batch, ConstMatrixView compact_gradient) {
    const std::int64_t distinct = batch.ids.distinct();
    if (compact_gradient.rows != distinct || compact_gradient.cols != table_.dim() || !compact_gradient.is_contiguous()) {
        throw std::invalid_argument("the embedding gradient must be the prepared batch's " + std::to_string(distinct) + " x " +
                                    std::to_string(table_.dim()) + " contiguous rows");
    }
    if (spec_.placement == EmbeddingPlacement::parameter_server) {
        // Push: the gradient goes to the host, which updates the rows with their state.
        staging_.resize(static_cast<std::size_t>(distinct * table_.dim()));
        device_.copy_device_to_host(staging_.data(), compact_gradient.data, staging_.size() * sizeof(float));
        table_.apply_gradients(batch.ids.unique_ids, staging_.data());
        const std::int64_t bytes = distinct * table_.dim() * static_cast<std::int64_t>(sizeof(float));
        batch.traffic.bytes_device_to_host += bytes;
        total_.bytes_device_to_host += bytes;
        return;
    }
    for (std::int64_t k = 0; k < distinct; ++k) {
        update_row(spec_.table.optimizer, table_.dim(), slot_record(batch.device_slots[static_cast<std::size_t>(k)]),
                   compact_gradient.data + k * table_.dim());
    }
}

void EmbeddingStore::flush() {
    if (!cache_) return;
    const auto record_bytes = static_cast<std::size_t>(table_.record_floats()) * sizeof(float);
    std::vector<float> record(static_cast<std::size_t>(table_.record_floats()));
    for (const auto& [id, slot] : cache_->take_dirty_rows()) {
        device_.copy_device_to_host(record.data(), slot_record(slot), record_bytes);
        table_.write_records(std::span<const std::int64_t>(&id, 1), record.data());
        total_.bytes_device_to_host += static_cast<std::int64_t>(record_bytes);
    }
}

}  // namespace tb
