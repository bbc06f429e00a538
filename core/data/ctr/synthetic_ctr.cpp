#include "core/data/ctr/synthetic_ctr.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/random/random_stream.h"
#include "core/random/zipf_sampler.h"

namespace tb {

namespace {

void require(bool holds, const std::string& message) {
    if (!holds) throw std::invalid_argument(message);
}

// The planted model's fixed parts, drawn once from the seed.
struct PlantedModel {
    std::vector<double> dense_weights;
    std::vector<double> dense_means;
    std::vector<std::vector<double>> field_vectors;  // v_f

    // e(field, id): the same vector every time it is asked for, from a stream seeded by the triple.
    void embedding(std::uint64_t seed, int field, std::int64_t id, std::vector<double>& out) const {
        std::uint64_t key = seed * 0x9E3779B97F4A7C15ull ^ (static_cast<std::uint64_t>(field) << 40) ^ static_cast<std::uint64_t>(id);
        RandomStream random(key);
        const double scale = 1 / std::sqrt(static_cast<double>(out.size()));
        for (double& value : out) value = scale * random.normal();
    }
};

void draw_rows(const SyntheticCtrSpec& spec, const PlantedModel& planted, const std::vector<ZipfSampler>& fields,
               std::int64_t count, RandomStream& random, CtrRows& rows, std::vector<double>& probabilities) {
    const int k = spec.planted_dimension;
    const auto field_count = static_cast<std::size_t>(spec.categorical_fields);
    const double field_scale = spec.signal / std::sqrt(static_cast<double>(spec.categorical_fields));
    const double pair_scale = spec.interaction / std::sqrt(static_cast<double>(spec.categorical_fields) / k);
    rows.dense_fields = spec.dense_fields;
    rows.categorical_fields = spec.categorical_fields;
    rows.buckets_per_field.assign(field_count, spec.vocabulary_per_field + 1);
    rows.labels.reserve(static_cast<std::size_t>(count));
    rows.dense.reserve(static_cast<std::size_t>(count * spec.dense_fields));
    rows.categorical.reserve(static_cast<std::size_t>(count) * field_count);
    std::vector<std::vector<double>> embeddings(field_count, std::vector<double>(static_cast<std::size_t>(k)));
    for (std::int64_t r = 0; r < count; ++r) {
        double logit = spec.bias;
        for (int j = 0; j < spec.dense_fields; ++j) {
            const double mean = planted.dense_means[static_cast<std::size_t>(j)];
            const double value = std::log1p(std::floor(std::exp(mean + random.normal())));
            rows.dense.push_back(static_cast<float>(value));
            logit += planted.dense_weights[static_cast<std::size_t>(j)] * (value - mean);
        }
        for (std::size_t f = 0; f < field_count; ++f) {
            // Ranks 1.. are spread over the ids by a fixed permutation (multiplication by a prime larger than
            // any vocabulary, modulo it), so that hot ids are not simply the smallest.
            const std::int64_t rank = fields[f].draw(random);
            // (rank - 1) < 10^9 and the prime is below 1.1 x 10^9: the product fits in 64 bits.
            const auto id = static_cast<std::int64_t>((static_cast<std::uint64_t>(rank - 1) * 1000000007ull) %
                                                      static_cast<std::uint64_t>(spec.vocabulary_per_field));
            rows.categorical.push_back(static_cast<std::uint32_t>(1 + id));
            planted.embedding(spec.seed, static_cast<int>(f), id, embeddings[f]);
            double dot = 0;
            for (int d = 0; d < k; ++d) dot += planted.field_vectors[f][static_cast<std::size_t>(d)] * embeddings[f][static_cast<std::size_t>(d)];
            logit += field_scale * dot;
        }
        for (std::size_t f = 0; f < field_count && field_count > 1; ++f) {
            const std::vector<double>& next = embeddings[(f + 1) % field_count];
            double dot = 0;
            for (int d = 0; d < k; ++d) dot += embeddings[f][static_cast<std::size_t>(d)] * next[static_cast<std::size_t>(d)];
            logit += pair_scale * dot;
        }
        const double probability = 1 / (1 + std::exp(-logit));
        probabilities.push_back(probability);
        rows.labels.push_back(random.uniform() < probability ? 1.0f : 0.0f);
    }
}

}  // namespace

SyntheticCtr generate_synthetic_ctr(const SyntheticCtrSpec& spec) {
    require(spec.train_rows >= 1 && spec.test_rows >= 1, "synthetic CTR data needs at least one train and one test row");
    require(spec.dense_fields >= 0 && spec.dense_fields <= 1000, "dense_fields must lie between 0 and 1000");
    require(spec.categorical_fields >= 1 && spec.categorical_fields <= 1000, "categorical_fields must lie between 1 and 1000");
    require(spec.vocabulary_per_field >= 1 && spec.vocabulary_per_field < (std::int64_t{1} << 32) - 1 &&
                spec.vocabulary_per_field < 1000000007,
            "vocabulary_per_field must lie between 1 and 10^9, got " + std::to_string(spec.vocabulary_per_field));
    require(spec.planted_dimension >= 1 && spec.planted_dimension <= 256, "planted_dimension must lie between 1 and 256");

    RandomStream model_random(spec.seed * 2 + 1);
    PlantedModel planted;
    for (int j = 0; j < spec.dense_fields; ++j) {
        planted.dense_weights.push_back(0.2 * model_random.normal());
        planted.dense_means.push_back(4 * model_random.uniform());
    }
    for (int f = 0; f < spec.categorical_fields; ++f) {
        std::vector<double> vector(static_cast<std::size_t>(spec.planted_dimension));
        for (double& value : vector) value = model_random.normal();
        planted.field_vectors.push_back(std::move(vector));
    }
    const std::vector<ZipfSampler> fields(static_cast<std::size_t>(spec.categorical_fields),
                                          ZipfSampler(spec.vocabulary_per_field, spec.zipf_exponent));

    SyntheticCtr data;
    RandomStream train_random(spec.seed * 2 + 2);
    std::vector<double> train_probabilities;
    draw_rows(spec, planted, fields, spec.train_rows, train_random, data.train, train_probabilities);
    RandomStream test_random(spec.seed * 2 + 3);
    draw_rows(spec, planted, fields, spec.test_rows, test_random, data.test, data.test_click_probability);

    return data;
}

}  // namespace tb
