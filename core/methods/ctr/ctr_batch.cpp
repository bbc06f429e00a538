#include "core/methods/ctr/ctr_batch.h"

#include <algorithm>
#include <cmath>

#include "core/nn/sparse/embedding_bag.h"

namespace tb {

void load_ctr_batch(const CtrRows& data, std::span<const std::int64_t> selected, VirtualIdMapper& mapper,
                    CtrBatch& batch, VirtualSparseIds& virtual_ids) {
    const std::int64_t fields = data.categorical_fields;
    const auto dense_fields = static_cast<std::size_t>(data.dense_fields);
    batch.rows = static_cast<std::int64_t>(selected.size());
    batch.labels.resize(selected.size());
    batch.dense.rows = batch.rows;
    batch.dense.cols = data.dense_fields;
    batch.dense.values.resize(selected.size() * dense_fields);
    batch.ids.resize(selected.size() * static_cast<std::size_t>(fields));
    batch.label_matrix.rows = 0;
    batch.label_matrix.cols = 1;
    batch.label_matrix.row_offsets.assign(1, 0);
    batch.label_matrix.column_indices.clear();
    batch.label_matrix.values.clear();
    std::vector<std::int64_t> offsets(static_cast<std::size_t>(fields));
    for (int f = 0; f < fields; ++f) offsets[static_cast<std::size_t>(f)] = data.field_offset(f);
    const std::int32_t click_column = 0;
    const float one = 1.0f;
    for (std::size_t i = 0; i < selected.size(); ++i) {
        const auto row = static_cast<std::size_t>(selected[i]);
        batch.labels[i] = data.labels[row];
        std::copy_n(data.dense.data() + row * dense_fields, dense_fields, batch.dense.values.data() + i * dense_fields);
        for (std::size_t f = 0; f < static_cast<std::size_t>(fields); ++f) {
            batch.ids[i * static_cast<std::size_t>(fields) + f] =
                offsets[f] + data.categorical[row * static_cast<std::size_t>(fields) + f];
        }
        if (data.labels[row] > 0.5f) {
            batch.label_matrix.append_row(std::span<const std::int32_t>(&click_column, 1), std::span<const float>(&one, 1));
        } else {
            batch.label_matrix.append_row({}, {});
        }
    }
    mapper.map(batch.ids, virtual_ids);
    nn::bag_lookups_into(batch.lookups, batch.rows, fields, virtual_ids.distinct(), virtual_ids.positions);
}

ConstMatrixView CtrDeviceStep::logits(CtrModel& model, Backend& device, const CtrBatch& batch, ConstMatrixView table) {
    lookups_.upload(device, batch.lookups);
    dense_.resize(device, batch.rows, batch.dense.cols, "CTR batch");
    dense_.upload(batch.dense);
    return model.forward(lookups_.view(), table, dense_.view(), false);
}

double CtrDeviceStep::run(CtrModel& model, Backend& device, const CtrBatch& batch, ConstMatrixView table,
                          float grad_scale) {
    lookups_.upload(device, batch.lookups);
    labels_.upload(device, batch.label_matrix);
    dense_.resize(device, batch.rows, batch.dense.cols, "CTR batch");
    dense_.upload(batch.dense);
    const ConstMatrixView logits = model.forward(lookups_.view(), table, dense_.view(), true);
    logit_gradient_.resize(device, batch.rows, 1, "activation gradients");
    const double loss = device.sigmoid_binary_cross_entropy(logits, labels_.view(), logit_gradient_.view(), grad_scale);
    table_gradient_.resize(device, table.rows, table.cols, "embedding gradients");
    model.backward(logit_gradient_.view(), table_gradient_.view());
    return loss;
}

std::vector<double> predict_clicks(CtrModel& model, Backend& device, const CtrRows& rows, std::int64_t batch_size,
                                   int record_floats,
                                   const std::function<void(std::span<const std::int64_t> ids, float* records)>& read_records) {
    const auto width = static_cast<std::size_t>(ctr_embedding_width(model.spec()));
    std::vector<double> probabilities(static_cast<std::size_t>(rows.rows()));
    VirtualIdMapper mapper;
    CtrBatch batch;
    VirtualSparseIds ids;
    CtrDeviceStep step;
    DeviceMatrix compact;
    std::vector<std::int64_t> selected;
    std::vector<float> records;
    std::vector<float> values;
    std::vector<float> host;
    for (std::int64_t first = 0; first < rows.rows(); first += batch_size) {
        const std::int64_t count = std::min(batch_size, rows.rows() - first);
        selected.resize(static_cast<std::size_t>(count));
        for (std::int64_t i = 0; i < count; ++i) selected[static_cast<std::size_t>(i)] = first + i;
        load_ctr_batch(rows, selected, mapper, batch, ids);
        const auto distinct = static_cast<std::size_t>(ids.distinct());
        records.resize(distinct * static_cast<std::size_t>(record_floats));
        read_records(ids.unique_ids, records.data());
        values.resize(distinct * width);
        for (std::size_t k = 0; k < distinct; ++k) {
            std::copy_n(records.data() + k * static_cast<std::size_t>(record_floats), width, values.data() + k * width);
        }
        compact.resize(device, static_cast<std::int64_t>(distinct), static_cast<std::int64_t>(width), "embedding rows of a batch");
        compact.upload(HostMatrix(static_cast<std::int64_t>(distinct), static_cast<std::int64_t>(width), values));
        const ConstMatrixView logits = step.logits(model, device, batch, compact.view());
        host.resize(static_cast<std::size_t>(count));
        device.copy_device_to_host(host.data(), logits.data, host.size() * sizeof(float));
        for (std::int64_t i = 0; i < count; ++i) {
            probabilities[static_cast<std::size_t>(first + i)] = 1.0 / (1.0 + std::exp(-static_cast<double>(host[static_cast<std::size_t>(i)])));
        }
    }
    return probabilities;
}

}  // namespace tb
