#pragma once
// Criteo-like click data with a planted model, so that the best AUC any model can reach is known. Each
// categorical field draws its ids from a Zipf distribution over its vocabulary (the long tail a device
// cache of hot rows lives on; exponent 1.1 by default), each id has a planted embedding, and a row's click
// is drawn from a logistic model over those embeddings and the dense fields:
//
//   logit = bias + sum_j w_j (x_j - m_j) + signal / sqrt(F) * sum_f <v_f, e(f, id_f)>
//           + interaction / sqrt(F / k) * sum_f <e(f, id_f), e(f + 1 mod F, id_(f+1))>
//
// with e(f, id) ~ N(0, I / k) in k = planted_dimension dimensions, v_f ~ N(0, I), w_j ~ N(0, 0.04), and the
// dense field x_j = log(1 + floor(exp(m_j + z))), z ~ N(0, 1) (counts, log-transformed as the Criteo reader
// does). The pairwise term is what factorization machines and cross layers can learn and a linear model
// over one-hot ids cannot. An id's embedding is a function of (seed, field, id), never stored, so a
// vocabulary of 10^8 costs no memory.
//
// The planted model's probabilities, scored against the drawn clicks with the metrics a run uses (AUC, log
// loss), give the best achievable test figures (the Bayes figures: no model beats them in expectation).

#include <cstdint>
#include <vector>

#include "core/data/ctr/ctr_rows.h"

namespace tb {

struct SyntheticCtrSpec {
    std::int64_t train_rows = 100000;
    std::int64_t test_rows = 20000;
    int dense_fields = 13;
    int categorical_fields = 26;
    std::int64_t vocabulary_per_field = 100000;  // ids per field; bucket 0 stays "missing", as in the reader
    double zipf_exponent = 1.1;
    int planted_dimension = 8;
    double signal = 1.5;
    double interaction = 0.75;
    double bias = -1.4;  // about a quarter of the rows are clicks, as in Criteo
    std::uint64_t seed = 1;
};

struct SyntheticCtr {
    CtrRows train;
    CtrRows test;
    std::vector<double> test_click_probability;  // the planted model's, per test row
};

// Throws std::invalid_argument naming the field of the spec that is out of range.
SyntheticCtr generate_synthetic_ctr(const SyntheticCtrSpec& spec);

}  // namespace tb
