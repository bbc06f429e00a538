#pragma once
// One batch of click rows as the CTR trainers use it: what the loader builds on the host (labels, dense
// fields, global ids mapped to virtual ids, the bag lookups), and the device's forward and backward of a
// CTR model on it.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/backend/backend.h"
#include "core/backend/device_buffer.h"
#include "core/data/ctr/ctr_rows.h"
#include "core/embedding/virtual_sparse_ids.h"
#include "core/model/ctr_models.h"
#include "core/tensor/host_csr.h"

namespace tb {

struct CtrBatch {
    std::int64_t rows = 0;
    std::vector<float> labels;
    HostCsr label_matrix;            // rows x 1: a click is an entry
    HostMatrix dense;                // rows x dense fields
    std::vector<std::int64_t> ids;   // rows x fields global ids (field_offset + bucket)
    HostCsr lookups;                 // (rows fields) x distinct ids: the bag lookups over virtual ids
};

// Fills `batch` with the selected rows of `data` and `virtual_ids` with their ids' virtual ids. Every
// buffer is resized in place, so a batch filled again allocates nothing once it has held a full one.
void load_ctr_batch(const CtrRows& data, std::span<const std::int64_t> selected, VirtualIdMapper& mapper,
                    CtrBatch& batch, VirtualSparseIds& virtual_ids);

// The device side of one step, its buffers kept between steps.
class CtrDeviceStep {
public:
    // Forward and backward of `model` on `batch` over its compact table; the loss's gradient is scaled
    // by grad_scale (1 / rows for the batch's mean). Returns the summed log loss; the table's gradient is
    // table_gradient() and the dense parameters' are in the model's gradients.
    double run(CtrModel& model, Backend& device, const CtrBatch& batch, ConstMatrixView table, float grad_scale);
    MatrixView table_gradient() { return table_gradient_.view(); }
    // Logits only (evaluation).
    ConstMatrixView logits(CtrModel& model, Backend& device, const CtrBatch& batch, ConstMatrixView table);

private:
    DeviceCsr lookups_;
    DeviceCsr labels_;
    DeviceMatrix dense_;
    DeviceMatrix logit_gradient_;
    DeviceMatrix table_gradient_;
};

// Click probabilities of every row from `model`, the embedding rows read through `read_records` (records of
// `record_floats` floats, the first ctr_embedding_width of them the row's values) for each batch's ids.
std::vector<double> predict_clicks(CtrModel& model, Backend& device, const CtrRows& rows, std::int64_t batch_size,
                                   int record_floats,
                                   const std::function<void(std::span<const std::int64_t> ids, float* records)>& read_records);

}  // namespace tb
