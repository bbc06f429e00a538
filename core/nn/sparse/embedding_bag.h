#pragma once
// EmbeddingBag: a CTR model's categorical input. Per row of a batch and per field, the sum (or mean) of
// the embedding rows its ids look up, fields side by side: output row r = [bag(r, 0) | ... | bag(r, F-1)],
// F * dim floats. The rows come from a compact table, the batch's distinct rows addressed by virtual id
// (core/embedding/embedding_store.h), so the lookups are one CSR matrix L of (rows * F) x (distinct rows):
// row r F + f of L holds the virtual ids of field f in row r, weight 1 (sum) or 1 / count (mean). Then
//   forward   output = L T read as rows x (F dim): one sparse product,
//   backward  dL/dT = L^T dL/doutput read as (rows F) x dim: one transposed product, already compact, so
//             a row looked up many times in a batch gets its summed gradient once.
// The table may be a column block of a wider one (a record of [embedding | first-order weight]).

#include <cstdint>
#include <span>

#include "core/backend/backend.h"
#include "core/backend/device_buffer.h"
#include "core/tensor/host_csr.h"

namespace tb::nn {

enum class BagCombiner { sum, mean };

// The lookup matrix of a batch: `virtual_ids` holds rows x fields entries in row order, one id per field
// per row (the Criteo layout; a field with several ids per row is a list per field, which `offsets`
// gives when it is not empty: rows x fields + 1 offsets into virtual_ids).
HostCsr bag_lookups(std::int64_t rows, std::int64_t fields, std::int64_t distinct_rows,
                    std::span<const std::int32_t> virtual_ids, std::span<const std::int64_t> offsets = {},
                    BagCombiner combiner = BagCombiner::sum);
// The same into `lookups`, reusing its memory (a training loop's per-batch call).
void bag_lookups_into(HostCsr& lookups, std::int64_t rows, std::int64_t fields, std::int64_t distinct_rows,
                      std::span<const std::int32_t> virtual_ids, std::span<const std::int64_t> offsets = {},
                      BagCombiner combiner = BagCombiner::sum);

class EmbeddingBag {
public:
    EmbeddingBag(std::int64_t fields, std::int64_t dim);

    // lookups: (rows F) x table.rows on the backend's device; table: distinct rows x dim.
    ConstMatrixView forward(Backend& backend, const CsrView& lookups, ConstMatrixView table);
    // table_gradient = L^T grad_output + beta table_gradient (distinct rows x dim, may be a column block).
    void backward(Backend& backend, const CsrView& lookups, ConstMatrixView grad_output, float beta,
                  MatrixView table_gradient) const;

    std::int64_t fields() const { return fields_; }
    std::int64_t dim() const { return dim_; }

private:
    void check(const CsrView& lookups, std::int64_t table_rows, std::int64_t table_cols) const;

    std::int64_t fields_;
    std::int64_t dim_;
    DeviceMatrix output_;
};

}  // namespace tb::nn
