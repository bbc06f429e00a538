#include "core/data/shuffled_batcher.h"

#include <algorithm>
#include <bit>
#include <numeric>
#include <stdexcept>
#include <string>

#include "core/random/splitmix64.h"

namespace tb {
namespace {

class EpochRandom {
public:
    EpochRandom(std::uint64_t seed, std::int64_t epoch)
        : state_(splitmix64_mix(splitmix64_mix(seed) + static_cast<std::uint64_t>(epoch) * splitmix64_gamma)) {}

    // Uniform in [0, bound], exactly (masked rejection).
    std::uint64_t up_to(std::uint64_t bound) {
        const int bits = std::bit_width(bound);
        if (bits == 0) return 0;
        for (;;) {
            const std::uint64_t candidate = splitmix64_next(state_) >> (64 - bits);
            if (candidate <= bound) return candidate;
        }
    }

private:
    std::uint64_t state_;
};

void fill_permutation(std::vector<std::int64_t>& order, std::uint64_t seed, std::int64_t epoch) {
    std::iota(order.begin(), order.end(), std::int64_t{0});
    EpochRandom random(seed, epoch);
    // Fisher-Yates, from the back.
    for (std::size_t last = order.size(); last > 1; --last) {
        const std::uint64_t chosen = random.up_to(last - 1);
        std::swap(order[last - 1], order[chosen]);
    }
}

}  // namespace

ShuffledBatcher::ShuffledBatcher(std::int64_t sample_count, std::uint64_t seed) : seed_(seed) {
    if (sample_count < 1) {
        throw std::invalid_argument("ShuffledBatcher needs at least one sample, got " + std::to_string(sample_count));
    }
    order_.resize(static_cast<std::size_t>(sample_count));
    shuffle_for_epoch(0);
}

std::span<const std::int64_t> ShuffledBatcher::next(std::int64_t batch_size) {
    if (batch_size < 1) throw std::invalid_argument("ShuffledBatcher::next: batch size " + std::to_string(batch_size) + " < 1");
    // The permutation is replaced only now, not when the epoch ended, so the last batch stayed valid.
    if (position_ == sample_count()) {
        shuffle_for_epoch(shuffled_epoch_ + 1);
        position_ = 0;
    }
    const std::int64_t taken = std::min(batch_size, sample_count() - position_);
    const std::span<const std::int64_t> batch(order_.data() + position_, static_cast<std::size_t>(taken));
    position_ += taken;
    handed_out_ += taken;
    if (position_ == sample_count()) ++completed_epochs_;
    return batch;
}

std::vector<std::int64_t> ShuffledBatcher::permutation(std::int64_t sample_count, std::uint64_t seed,
                                                       std::int64_t epoch_index) {
    std::vector<std::int64_t> order(static_cast<std::size_t>(std::max<std::int64_t>(sample_count, 0)));
    fill_permutation(order, seed, epoch_index);
    return order;
}

void ShuffledBatcher::shuffle_for_epoch(std::int64_t epoch_index) {
    fill_permutation(order_, seed_, epoch_index);
    shuffled_epoch_ = epoch_index;
}

}  // namespace tb
