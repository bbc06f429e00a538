#pragma once
// Hands out the rows of a data set in shuffled order, batch by batch, epoch after epoch. Each epoch
// uses a fresh permutation that depends only on (seed, epoch), so a run is reproducible and can resume
// at any epoch. One batcher can serve several workers in turn (Adaptive SGD's single shared cursor over
// the shuffled set: a faster worker simply asks more often); it is not thread-safe, the caller
// serialises the calls.

#include <cstdint>
#include <span>
#include <vector>

namespace tb {

class ShuffledBatcher {
public:
    // Throws std::invalid_argument when sample_count < 1.
    ShuffledBatcher(std::int64_t sample_count, std::uint64_t seed);

    // The next min(batch_size, rows left in this epoch) rows; a batch never spans two epochs, so the
    // last one of an epoch may be shorter, and the call after it starts the next epoch. The span is
    // valid until the next call. Throws std::invalid_argument when batch_size < 1.
    std::span<const std::int64_t> next(std::int64_t batch_size);

    std::int64_t epoch() const { return completed_epochs_; }         // epochs whose every row was handed out
    std::int64_t position() const { return position_; }              // rows handed out of the current permutation
    std::int64_t samples_handed_out() const { return handed_out_; }  // over all epochs
    std::int64_t sample_count() const { return static_cast<std::int64_t>(order_.size()); }

    // The permutation of epoch `epoch_index`, the same one next() walks through in that epoch.
    static std::vector<std::int64_t> permutation(std::int64_t sample_count, std::uint64_t seed, std::int64_t epoch_index);

private:
    void shuffle_for_epoch(std::int64_t epoch_index);

    std::uint64_t seed_;
    std::vector<std::int64_t> order_;
    std::int64_t shuffled_epoch_ = 0;  // which epoch order_ belongs to
    std::int64_t position_ = 0;
    std::int64_t completed_epochs_ = 0;
    std::int64_t handed_out_ = 0;
};

}  // namespace tb
