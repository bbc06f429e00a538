#pragma once
// A deterministic generator of extreme multi-label data with the statistics that make XMLC training
// costly and learnable: power-law label and feature frequencies, a log-normal number of non-zeros and of
// labels per sample, and labels that can be predicted from features.
//
// The model: every label owns a few random "signature" features. A sample draws its labels from a Zipf
// law, then a share of its feature draws from its labels' signatures and the rest from a Zipf law over
// all features (the background vocabulary). A feature's value is TF-IDF-like, (1 + log2 tf) times an idf
// that grows with the feature's background rarity, and each row is L2-normalized.
//
// Same spec and seed, same bits on every machine: the generator uses its own random stream and its own
// distributions, decides every draw with integer arithmetic, and computes values only with operations
// IEEE 754 rounds correctly (+, *, /, sqrt, explicit fma): no std::*_distribution, no libm pow/exp/log,
// and nothing a compiler may fuse differently.

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace tb {

struct SyntheticXmlcSpec {
    std::string name = "synthetic-xmlc";
    std::int64_t num_features = 20'000;
    std::int64_t num_labels = 500;
    std::int64_t train_samples = 8'000;
    std::int64_t test_samples = 2'000;
    double mean_features_per_sample = 40.0;  // distinct non-zero features, at least 1 per sample
    double mean_labels_per_sample = 3.0;     // at least 1 per sample
    double feature_power_law = 1.0;          // Zipf exponent s of background features: p(rank r) ~ r^-s
    double label_power_law = 0.8;            // Zipf exponent of labels
    double features_per_sample_spread = 0.5;  // standard deviation of the natural log of the count
    double labels_per_sample_spread = 0.5;
    std::int64_t signature_features_per_label = 12;
    double signature_share = 0.5;  // share of a sample's feature draws taken from its labels' signatures
    std::uint64_t seed = 1;
};

// Generates the train and test splits of the same underlying task (same labels, signatures and
// vocabulary). Throws ConfigError naming the spec field when a value is out of range.
DataSplit generate_synthetic_xmlc(const SyntheticXmlcSpec& spec);

// The feature ids that `label` favours (sorted, without repeats): the generator's ground truth, for
// tests and for explaining what a trained model should find.
std::vector<std::int32_t> synthetic_label_signature(const SyntheticXmlcSpec& spec, std::int32_t label);

// 20,000 features, 500 labels, 8,000 train / 2,000 test: a sparse MLP learns it in seconds on a CPU.
SyntheticXmlcSpec small_synthetic_xmlc();

// The shapes of two Extreme Classification Repository data sets, with as many samples as asked.
SyntheticXmlcSpec delicious_200k_shape(std::int64_t train_samples, std::int64_t test_samples);
SyntheticXmlcSpec amazon_670k_shape(std::int64_t train_samples, std::int64_t test_samples);

}  // namespace tb
