#include "core/data/synthetic_xmlc.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <utility>

#include "core/errors.h"
#include "core/random/splitmix64.h"

namespace tb {
namespace {

// ---------------------------------------------------------------------------------------------------
// Random streams: splitmix64 (Steele, Lea, Flood, OOPSLA 2014). Every sample gets its own stream keyed
// by (seed, split, row), so a sample does not depend on how many came before it.

enum class StreamPurpose : std::uint64_t { label_ids = 1, feature_ids, signatures, train_samples, test_samples };

std::uint64_t stream_key(std::uint64_t seed, StreamPurpose purpose, std::uint64_t index) {
    return splitmix64_mix(splitmix64_mix(seed + static_cast<std::uint64_t>(purpose) * splitmix64_gamma) + index);
}

class RandomStream {
public:
    explicit RandomStream(std::uint64_t key) : state_(splitmix64_mix(key)) {}

    std::uint64_t next() {
        return splitmix64_next(state_);
    }

    // Uniform in [0, bound), bound >= 1, exactly (masked rejection: fewer than two draws on average).
    std::uint64_t below(std::uint64_t bound) {
        const int bits = std::bit_width(bound - 1);
        if (bits == 0) return 0;
        for (;;) {
            const std::uint64_t candidate = next() >> (64 - bits);
            if (candidate < bound) return candidate;
        }
    }

private:
    std::uint64_t state_;
};

// ---------------------------------------------------------------------------------------------------
// Powers of two in fixed point. libm's pow, exp and log may differ in the last bit between C libraries,
// and one bit is enough to move a draw; these use integer arithmetic and correctly rounded sqrt and
// products only, so they give the same bits everywhere.

constexpr int fraction_bits = 32;
constexpr std::int64_t fixed_one = std::int64_t{1} << fraction_bits;

// log2(x) * 2^32 for x >= 1, by repeated squaring of the mantissa (one result bit per squaring).
std::int64_t log2_fixed(std::uint64_t x) {
    const int exponent = std::bit_width(x) - 1;
    constexpr int mantissa_bits = 31;  // mantissa in [1, 2) as Q1.31, so its square fits in 64 bits
    std::uint64_t mantissa = exponent <= mantissa_bits ? x << (mantissa_bits - exponent) : x >> (exponent - mantissa_bits);
    std::int64_t result = static_cast<std::int64_t>(exponent) << fraction_bits;
    for (int bit = fraction_bits - 1; bit >= 0; --bit) {
        mantissa = (mantissa * mantissa) >> mantissa_bits;
        if (mantissa >= (std::uint64_t{2} << mantissa_bits)) {
            mantissa >>= 1;
            result |= std::int64_t{1} << bit;
        }
    }
    return result;
}

// 2^(2^(bit - 32)) for each fraction bit, by repeated square roots of 2.
const std::array<double, fraction_bits>& roots_of_two() {
    static const std::array<double, fraction_bits> roots = [] {
        std::array<double, fraction_bits> values{};
        double root = std::sqrt(2.0);
        for (int bit = fraction_bits - 1; bit >= 0; --bit) {
            values[static_cast<std::size_t>(bit)] = root;
            root = std::sqrt(root);
        }
        return values;
    }();
    return roots;
}

// 2^(exponent / 2^32).
double exp2_fixed(std::int64_t exponent) {
    const std::int64_t whole = exponent >> fraction_bits;  // rounds toward minus infinity
    const std::uint64_t fraction = static_cast<std::uint64_t>(exponent) & (fixed_one - 1);
    const auto& roots = roots_of_two();
    double result = 1.0;
    for (int bit = 0; bit < fraction_bits; ++bit) {
        if ((fraction >> bit) & 1u) result *= roots[static_cast<std::size_t>(bit)];
    }
    return std::ldexp(result, static_cast<int>(whole));
}

std::int64_t to_fixed(double value) { return std::llround(std::ldexp(value, fraction_bits)); }

// ---------------------------------------------------------------------------------------------------
// Draws ranks 0..n-1 with probability proportional to (rank + 1)^-s in constant time: Walker's alias
// method, built with Vose's algorithm over integer masses so the table is exact.

class PowerLawSampler {
public:
    PowerLawSampler(std::int64_t count, double exponent) : buckets_(static_cast<std::size_t>(count)) {
        const auto n = static_cast<std::uint64_t>(count);
        // Weights up to 2^scale_bits keep every mass (weight * n) and their sum below 2^62.
        const int scale_bits = 62 - std::bit_width(n);
        const std::int64_t exponent_q16 = std::llround(std::ldexp(exponent, 16));
        std::vector<std::uint64_t> mass(n);
        total_ = 0;
        for (std::uint64_t rank = 0; rank < n; ++rank) {
            const std::int64_t log2_weight = -((exponent_q16 * log2_fixed(rank + 1)) >> 16);
            const auto weight = static_cast<std::uint64_t>(std::ldexp(exp2_fixed(log2_weight), scale_bits));
            mass[rank] = std::max<std::uint64_t>(weight, 1);  // the tail stays reachable
            total_ += mass[rank];
        }
        // Each bucket holds `total_` units: its own mass up to its threshold, the rest from its alias.
        std::vector<std::uint32_t> small;
        std::vector<std::uint32_t> large;
        for (std::uint64_t rank = 0; rank < n; ++rank) {
            mass[rank] *= n;
            (mass[rank] < total_ ? small : large).push_back(static_cast<std::uint32_t>(rank));
        }
        while (!small.empty() && !large.empty()) {
            const std::uint32_t light = small.back();
            small.pop_back();
            const std::uint32_t heavy = large.back();
            buckets_[light] = {mass[light], heavy};
            mass[heavy] -= total_ - mass[light];
            if (mass[heavy] < total_) {
                large.pop_back();
                small.push_back(heavy);
            }
        }
        // Integer masses sum exactly to n * total_, so whatever is left holds exactly one bucket's worth.
        for (const std::uint32_t rest : large) buckets_[rest] = {total_, rest};
        for (const std::uint32_t rest : small) buckets_[rest] = {total_, rest};
    }

    std::int64_t draw(RandomStream& random) const {
        const std::uint64_t bucket = random.below(buckets_.size());
        const Bucket& chosen = buckets_[bucket];
        return static_cast<std::int64_t>(random.below(total_) < chosen.threshold ? bucket : chosen.alias);
    }

private:
    struct Bucket {
        std::uint64_t threshold = 0;
        std::uint32_t alias = 0;
    };
    std::vector<Bucket> buckets_;
    std::uint64_t total_ = 0;
};

// ---------------------------------------------------------------------------------------------------
// Log-normal counts: a standard normal from the Irwin-Hall sum of 12 uniforms (mean 6, variance 1),
// which needs no transcendental function and stays within 6 standard deviations.

class CountDistribution {
public:
    CountDistribution(double mean, double log_spread, std::int64_t largest) : largest_(largest) {
        constexpr double ln2 = 0.69314718055994530942;
        spread_log2_q16_ = std::llround(std::ldexp(log_spread / ln2, 16));
        // The mean of a log-normal is its median times e^(sigma^2 / 2).
        const std::int64_t log2_mean = log2_fixed(static_cast<std::uint64_t>(to_fixed(mean))) - (std::int64_t{fraction_bits} << fraction_bits);
        log2_median_ = log2_mean - to_fixed(log_spread * log_spread / (2.0 * ln2));
    }

    std::int64_t draw(RandomStream& random) const {
        constexpr int uniforms = 12;
        std::int64_t normal = -6 * fixed_one;
        for (int i = 0; i < uniforms; ++i) normal += static_cast<std::int64_t>(random.next() >> fraction_bits);
        const std::int64_t log2_count = log2_median_ + ((spread_log2_q16_ * normal) >> 16);
        return std::clamp<std::int64_t>(std::llround(exp2_fixed(log2_count)), 1, largest_);
    }

private:
    std::int64_t largest_;
    std::int64_t spread_log2_q16_ = 0;
    std::int64_t log2_median_ = 0;
};

// ---------------------------------------------------------------------------------------------------
// Frequency ranks become ids through a random affine bijection id = (a * rank + b) mod n, so that the
// frequent labels and features are scattered over the id range as in real data, without a table.

class RankToId {
public:
    RankToId(std::int64_t count, std::uint64_t key) : count_(static_cast<std::uint64_t>(count)) {
        RandomStream random(key);
        if (count_ > 1) {
            multiplier_ = 1 + random.below(count_ - 1);
            while (std::gcd(multiplier_, count_) != 1) multiplier_ = multiplier_ % (count_ - 1) + 1;
            offset_ = random.below(count_);
        }
    }
    std::int32_t operator()(std::int64_t rank) const {
        return static_cast<std::int32_t>((multiplier_ * static_cast<std::uint64_t>(rank) + offset_) % count_);
    }

private:
    std::uint64_t count_;
    std::uint64_t multiplier_ = 1;
    std::uint64_t offset_ = 0;
};

// The background rank of a label's signature feature, uniform over the vocabulary: signatures are a
// pure function of (seed, label, slot), so no labels x features table is ever stored.
std::int64_t signature_feature_rank(const SyntheticXmlcSpec& spec, std::int32_t label, std::int64_t slot) {
    const std::uint64_t key = stream_key(spec.seed, StreamPurpose::signatures, static_cast<std::uint64_t>(label));
    const std::uint64_t hashed = splitmix64_mix(key + static_cast<std::uint64_t>(slot) * splitmix64_gamma);
    return static_cast<std::int64_t>(hashed % static_cast<std::uint64_t>(spec.num_features));
}

void check_spec(const SyntheticXmlcSpec& spec) {
    const auto require = [](bool holds, const char* field, const std::string& range, double value) {
        if (!holds) {
            std::ostringstream message;
            message << "synthetic_xmlc." << field << " must be " << range << ", got " << value;
            throw ConfigError(message.str());
        }
    };
    constexpr auto largest_id = static_cast<double>(std::numeric_limits<std::int32_t>::max());
    require(spec.num_features >= 1 && spec.num_features <= std::numeric_limits<std::int32_t>::max(), "num_features",
            "in [1, 2^31-1]", static_cast<double>(spec.num_features));
    require(spec.num_labels >= 1 && spec.num_labels <= std::numeric_limits<std::int32_t>::max(), "num_labels",
            "in [1, 2^31-1]", static_cast<double>(spec.num_labels));
    require(spec.train_samples >= 0, "train_samples", ">= 0", static_cast<double>(spec.train_samples));
    require(spec.test_samples >= 0, "test_samples", ">= 0", static_cast<double>(spec.test_samples));
    require(spec.mean_features_per_sample >= 1.0 && spec.mean_features_per_sample <= largest_id,
            "mean_features_per_sample", "in [1, 2^31-1]", spec.mean_features_per_sample);
    require(spec.mean_labels_per_sample >= 1.0 && spec.mean_labels_per_sample <= largest_id, "mean_labels_per_sample",
            "in [1, 2^31-1]", spec.mean_labels_per_sample);
    require(spec.feature_power_law >= 0.0 && spec.feature_power_law <= 8.0, "feature_power_law", "in [0, 8]",
            spec.feature_power_law);
    require(spec.label_power_law >= 0.0 && spec.label_power_law <= 8.0, "label_power_law", "in [0, 8]",
            spec.label_power_law);
    require(spec.features_per_sample_spread >= 0.0 && spec.features_per_sample_spread <= 3.0,
            "features_per_sample_spread", "in [0, 3]", spec.features_per_sample_spread);
    require(spec.labels_per_sample_spread >= 0.0 && spec.labels_per_sample_spread <= 3.0, "labels_per_sample_spread",
            "in [0, 3]", spec.labels_per_sample_spread);
    require(spec.signature_features_per_label >= 1 && spec.signature_features_per_label <= 1'000'000,
            "signature_features_per_label", "in [1, 1000000]", static_cast<double>(spec.signature_features_per_label));
    require(spec.signature_share >= 0.0 && spec.signature_share <= 1.0, "signature_share", "in [0, 1]",
            spec.signature_share);
}

std::string describe_spec(const SyntheticXmlcSpec& spec) {
    std::ostringstream text;
    text << "synthetic_xmlc(features=" << spec.num_features << ", labels=" << spec.num_labels
         << ", train=" << spec.train_samples << ", test=" << spec.test_samples
         << ", features/sample=" << spec.mean_features_per_sample << ", labels/sample=" << spec.mean_labels_per_sample
         << ", feature_power_law=" << spec.feature_power_law << ", label_power_law=" << spec.label_power_law
         << ", spreads=" << spec.features_per_sample_spread << "/" << spec.labels_per_sample_spread
         << ", signature=" << spec.signature_features_per_label << "x" << spec.signature_share << ", seed=" << spec.seed
         << ")";
    return text.str();
}

// The shared task both splits are drawn from, and the scratch space of one sample.
class SyntheticXmlcGenerator {
public:
    explicit SyntheticXmlcGenerator(const SyntheticXmlcSpec& spec)
        : spec_(spec),
          label_sampler_(spec.num_labels, spec.label_power_law),
          feature_sampler_(spec.num_features, spec.feature_power_law),
          label_count_(spec.mean_labels_per_sample, spec.labels_per_sample_spread, spec.num_labels),
          feature_count_(spec.mean_features_per_sample, spec.features_per_sample_spread, spec.num_features),
          label_ids_(spec.num_labels, stream_key(spec.seed, StreamPurpose::label_ids, 0)),
          feature_ids_(spec.num_features, stream_key(spec.seed, StreamPurpose::feature_ids, 0)),
          idf_(static_cast<std::size_t>(spec.num_features)),
          label_stamp_(static_cast<std::size_t>(spec.num_labels), 0),
          feature_stamp_(static_cast<std::size_t>(spec.num_features), 0),
          feature_slot_(static_cast<std::size_t>(spec.num_features), 0) {
        // A feature's probability falls as rank^-s, so log(1 / probability), its idf, grows as s log(rank).
        for (std::size_t rank = 0; rank < idf_.size(); ++rank) {
            const double log2_rank = std::ldexp(static_cast<double>(log2_fixed(rank + 1)), -fraction_bits);
            idf_[rank] = std::fma(spec.feature_power_law, log2_rank, 1.0);
        }
    }

    Dataset generate(std::int64_t samples, StreamPurpose split) {
        Dataset data;
        data.name = spec_.name;
        data.source = describe_spec(spec_) + (split == StreamPurpose::train_samples ? " train" : " test");
        data.task = TaskKind::multi_label;
        data.sparse_features = true;
        data.sparse.cols = spec_.num_features;
        data.labels.cols = spec_.num_labels;
        const auto expected_nnz = static_cast<std::size_t>(static_cast<double>(samples) * spec_.mean_features_per_sample);
        data.sparse.column_indices.reserve(expected_nnz);
        data.sparse.values.reserve(expected_nnz);
        data.sparse.row_offsets.reserve(static_cast<std::size_t>(samples) + 1);
        data.labels.row_offsets.reserve(static_cast<std::size_t>(samples) + 1);
        for (std::int64_t row = 0; row < samples; ++row) {
            RandomStream random(stream_key(spec_.seed, split, static_cast<std::uint64_t>(row)));
            next_stamp();
            draw_labels(random);
            draw_features(random);
            append_sample(data);
        }
        return data;
    }

private:
    void next_stamp() {
        if (stamp_ == std::numeric_limits<std::uint32_t>::max()) {
            std::fill(label_stamp_.begin(), label_stamp_.end(), 0);
            std::fill(feature_stamp_.begin(), feature_stamp_.end(), 0);
            stamp_ = 0;
        }
        ++stamp_;
    }

    void draw_labels(RandomStream& random) {
        const std::int64_t wanted = label_count_.draw(random);
        // Distinct labels from a steep law can run short of fresh ones; then the sample has fewer.
        const std::int64_t attempts = 8 * wanted + 32;
        sample_labels_.clear();
        for (std::int64_t attempt = 0; attempt < attempts && std::ssize(sample_labels_) < wanted; ++attempt) {
            const std::int32_t label = label_ids_(label_sampler_.draw(random));
            if (label_stamp_[static_cast<std::size_t>(label)] == stamp_) continue;
            label_stamp_[static_cast<std::size_t>(label)] = stamp_;
            sample_labels_.push_back(label);
        }
        std::sort(sample_labels_.begin(), sample_labels_.end());
    }

    void draw_features(RandomStream& random) {
        const std::int64_t wanted = feature_count_.draw(random);
        sample_feature_ranks_.clear();
        term_counts_.clear();
        const std::int64_t signature_draws = std::llround(spec_.signature_share * static_cast<double>(wanted));
        const auto label_count = static_cast<std::uint64_t>(sample_labels_.size());
        const auto slots = static_cast<std::uint64_t>(spec_.signature_features_per_label);
        for (std::int64_t draw = 0; draw < signature_draws && std::ssize(sample_feature_ranks_) < wanted; ++draw) {
            const std::int32_t label = sample_labels_[random.below(label_count)];
            add_feature(signature_feature_rank(spec_, label, static_cast<std::int64_t>(random.below(slots))));
        }
        // The head of the background law repeats often; the cap only bites when asking for most of a
        // small vocabulary.
        const std::int64_t attempts = 16 * wanted + 64;
        for (std::int64_t attempt = 0; attempt < attempts && std::ssize(sample_feature_ranks_) < wanted; ++attempt) {
            add_feature(feature_sampler_.draw(random));
        }
    }

    void add_feature(std::int64_t rank) {
        const auto index = static_cast<std::size_t>(rank);
        if (feature_stamp_[index] == stamp_) {
            ++term_counts_[static_cast<std::size_t>(feature_slot_[index])];
            return;
        }
        feature_stamp_[index] = stamp_;
        feature_slot_[index] = static_cast<std::int32_t>(sample_feature_ranks_.size());
        sample_feature_ranks_.push_back(static_cast<std::int32_t>(rank));
        term_counts_.push_back(1);
    }

    void append_sample(Dataset& data) {
        // std::fma keeps the sum of squares the same whether or not the compiler would fuse it.
        double sum_of_squares = 0.0;
        raw_values_.resize(sample_feature_ranks_.size());
        for (std::size_t i = 0; i < sample_feature_ranks_.size(); ++i) {
            const double log2_count = std::ldexp(static_cast<double>(log2_fixed(term_counts_[i])), -fraction_bits);
            const double term_weight = 1.0 + log2_count;
            raw_values_[i] = term_weight * idf_[static_cast<std::size_t>(sample_feature_ranks_[i])];
            sum_of_squares = std::fma(raw_values_[i], raw_values_[i], sum_of_squares);
        }
        const double norm = std::sqrt(sum_of_squares);
        entries_.clear();
        for (std::size_t i = 0; i < sample_feature_ranks_.size(); ++i) {
            entries_.emplace_back(feature_ids_(sample_feature_ranks_[i]), static_cast<float>(raw_values_[i] / norm));
        }
        std::sort(entries_.begin(), entries_.end());
        columns_.clear();
        values_.clear();
        for (const auto& [column, value] : entries_) {
            columns_.push_back(column);
            values_.push_back(value);
        }
        data.sparse.append_row(columns_, values_);
        ones_.resize(std::max(ones_.size(), sample_labels_.size()), 1.0f);
        data.labels.append_row(sample_labels_, std::span<const float>(ones_.data(), sample_labels_.size()));
    }

    SyntheticXmlcSpec spec_;
    PowerLawSampler label_sampler_;
    PowerLawSampler feature_sampler_;
    CountDistribution label_count_;
    CountDistribution feature_count_;
    RankToId label_ids_;
    RankToId feature_ids_;
    std::vector<double> idf_;  // by background rank

    // Which sample last touched a label or feature, so that drawing a distinct set costs O(1) per draw
    // without clearing a table per sample.
    std::uint32_t stamp_ = 0;
    std::vector<std::uint32_t> label_stamp_;
    std::vector<std::uint32_t> feature_stamp_;
    std::vector<std::int32_t> feature_slot_;

    std::vector<std::int32_t> sample_labels_;
    std::vector<std::int32_t> sample_feature_ranks_;
    std::vector<std::uint64_t> term_counts_;
    std::vector<double> raw_values_;
    std::vector<std::pair<std::int32_t, float>> entries_;
    std::vector<std::int32_t> columns_;
    std::vector<float> values_;
    std::vector<float> ones_;
};

}  // namespace

DataSplit generate_synthetic_xmlc(const SyntheticXmlcSpec& spec) {
    check_spec(spec);
    SyntheticXmlcGenerator generator(spec);
    DataSplit split;
    split.train = generator.generate(spec.train_samples, StreamPurpose::train_samples);
    split.test = generator.generate(spec.test_samples, StreamPurpose::test_samples);
    return split;
}

std::vector<std::int32_t> synthetic_label_signature(const SyntheticXmlcSpec& spec, std::int32_t label) {
    check_spec(spec);
    if (label < 0 || label >= spec.num_labels) {
        throw ConfigError("synthetic label " + std::to_string(label) + " is outside [0, " +
                          std::to_string(spec.num_labels - 1) + "]");
    }
    const RankToId feature_ids(spec.num_features, stream_key(spec.seed, StreamPurpose::feature_ids, 0));
    std::vector<std::int32_t> signature;
    for (std::int64_t slot = 0; slot < spec.signature_features_per_label; ++slot) {
        signature.push_back(feature_ids(signature_feature_rank(spec, label, slot)));
    }
    std::sort(signature.begin(), signature.end());
    signature.erase(std::unique(signature.begin(), signature.end()), signature.end());
    return signature;
}

SyntheticXmlcSpec small_synthetic_xmlc() { return SyntheticXmlcSpec{}; }

// Shapes from the Extreme Classification Repository statistics (Bhatia et al.,
// http://manikvarma.org/downloads/XC/XMLRepository.html) and Table 1 of SLIDE (Chen et al., "SLIDE: In
// Defense of Smart Algorithms over Hardware Acceleration for Large-Scale Deep Learning Systems", MLSys
// 2020), whose feature sparsity gives the non-zeros per sample. The power-law exponents and spreads are
// our choices, not published figures: steep enough for a long tail, flat enough that the most frequent
// label is not in every sample.

SyntheticXmlcSpec delicious_200k_shape(std::int64_t train_samples, std::int64_t test_samples) {
    SyntheticXmlcSpec spec;
    spec.name = "synthetic-delicious-200k";
    spec.num_features = 782'585;
    spec.num_labels = 205'443;
    spec.train_samples = train_samples;
    spec.test_samples = test_samples;
    spec.mean_features_per_sample = 301.0;  // SLIDE: 0.038% of 782,585 features
    spec.mean_labels_per_sample = 75.54;    // repository: 75.54 labels per point
    spec.feature_power_law = 1.0;
    spec.label_power_law = 0.7;
    spec.features_per_sample_spread = 0.6;
    spec.labels_per_sample_spread = 0.6;
    return spec;
}

SyntheticXmlcSpec amazon_670k_shape(std::int64_t train_samples, std::int64_t test_samples) {
    SyntheticXmlcSpec spec;
    spec.name = "synthetic-amazon-670k";
    spec.num_features = 135'909;
    spec.num_labels = 670'091;
    spec.train_samples = train_samples;
    spec.test_samples = test_samples;
    spec.mean_features_per_sample = 76.0;  // SLIDE: 0.055% of 135,909 features
    spec.mean_labels_per_sample = 5.45;    // repository: 5.45 labels per point
    spec.feature_power_law = 1.0;
    spec.label_power_law = 0.8;
    spec.features_per_sample_spread = 0.5;
    spec.labels_per_sample_spread = 0.6;
    return spec;
}

}  // namespace tb
