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

namespace {

// Puts `values` at the start of `buffer`, first growing it (by half again, so that batches of slowly
// rising size reallocate rarely) when it is too small.
template <typename T>
void upload_growing(Backend& device, DeviceBuffer<T>& buffer, std::span<const T> values, const char* what) {
    const auto count = static_cast<std::int64_t>(values.size());
    if (buffer.size() < count) buffer = DeviceBuffer<T>(device, std::max(count, buffer.size() + buffer.size() / 2), what);
    buffer.upload(values);
}

}  // namespace

EmbeddingStore::EmbeddingStore(const EmbeddingStoreSpec& spec, Backend& device) : spec_(spec), device_(device), table_(spec.table) {
    if (spec.placement == EmbeddingPlacement::parameter_server) return;
    const std::int64_t capacity = spec.placement == EmbeddingPlacement::all_on_device ? table_.rows() : spec.cache_rows;
    cache_ = std::make_unique<RowCache>(capacity, spec.policy);
    // The device's memory limit decides whether all_on_device fits: the allocation fails as a full GPU would.
    slots_ = DeviceBuffer<float>(device, capacity * table_.record_floats(),
                                 spec.placement == EmbeddingPlacement::all_on_device ? "the whole embedding table" : "the embedding cache");
}

MatrixView EmbeddingStore::slot_records() {
    return {slots_.data(), slots_.size() / table_.record_floats(), table_.record_floats()};
}

void EmbeddingStore::ensure_compact_capacity(std::int64_t rows) {
    if (compact_.size() >= rows * table_.dim()) return;
    compact_ = DeviceBuffer<float>(device_, rows * table_.dim(), "embedding rows of a batch");
}

MatrixView EmbeddingStore::stage_transfer(const std::vector<std::pair<std::int64_t, std::int32_t>>& rows) {
    transfer_ids_.clear();
    transfer_slot_list_.clear();
    for (const auto& [id, slot] : rows) {
        transfer_ids_.push_back(id);
        transfer_slot_list_.push_back(slot);
    }
    const auto count = static_cast<std::int64_t>(rows.size());
    const int record_floats = table_.record_floats();
    upload_growing(device_, transfer_slots_, std::span<const std::int32_t>(transfer_slot_list_), "embedding cache slots in transfer");
    if (transfer_records_.size() < count * record_floats) {
        transfer_records_ = DeviceBuffer<float>(device_, count * record_floats, "embedding records in transfer");
    }
    staging_.resize(static_cast<std::size_t>(count * record_floats));
    return {transfer_records_.data(), count, record_floats};
}

void EmbeddingStore::write_back(const std::vector<std::pair<std::int64_t, std::int32_t>>& rows) {
    if (rows.empty()) return;
    const MatrixView records = stage_transfer(rows);
    device_.gather_rows(slot_records(), transfer_slots_.data(), records);
    device_.copy_device_to_host(staging_.data(), records.data, staging_.size() * sizeof(float));
    table_.write_records(transfer_ids_, staging_.data());
}

void EmbeddingStore::fetch(const std::vector<std::pair<std::int64_t, std::int32_t>>& rows) {
    if (rows.empty()) return;
    const MatrixView records = stage_transfer(rows);
    table_.read_records(transfer_ids_, staging_.data());
    device_.copy_host_to_device(records.data, staging_.data(), staging_.size() * sizeof(float));
    device_.scatter_rows(records, transfer_slots_.data(), slot_records());
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
        // Evicted dirty rows go home before their slots are reused (the backend runs its operations in
        // the order they are called, so the gather reads the slots before the scatter fills them).
        write_back(plan.write_backs);
        fetch(plan.fetches);
        batch.device_slots = plan.assigned_slots;
        upload_growing(device_, batch.device_slot_indices, std::span<const std::int32_t>(batch.device_slots),
                       "embedding cache slots of a batch");
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
    ensure_compact_capacity(std::max<std::int64_t>(distinct, 1));
    const MatrixView compact{compact_.data(), distinct, dim};
    if (spec_.placement == EmbeddingPlacement::parameter_server) {
        device_.copy_host_to_device(compact.data, batch.pulled.data(), static_cast<std::size_t>(distinct * dim) * sizeof(float));
    } else {
        // The values' columns of the batch's records.
        device_.gather_rows(column_block(ConstMatrixView(slot_records()), 0, dim), batch.device_slot_indices.data(), compact);
    }
    return compact;
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
    device_.lazy_row_update(slot_records(), batch.device_slot_indices.data(), compact_gradient, spec_.table.optimizer);
}

void EmbeddingStore::flush() {
    if (!cache_) return;
    const std::vector<std::pair<std::int64_t, std::int32_t>> dirty = cache_->take_dirty_rows();
    write_back(dirty);
    total_.bytes_device_to_host += static_cast<std::int64_t>(dirty.size()) * table_.record_floats() *
                                   static_cast<std::int64_t>(sizeof(float));
}

}  // namespace tb
