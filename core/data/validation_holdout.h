#pragma once
// Holding out part of a tabular training set as a validation set. A study that tunes a method's settings
// selects them on these rows and reports on the test set, so the test set never picks a setting (with
// `dataset.validation_fraction` set, a run trains on the other training rows and evaluates, measures its
// target and reports on the held-out ones; the test set is read but not used).
//
// The held-out rows are drawn by `seed` alone, so every method and every run seed of a study sees the
// same validation rows.

#include <cstdint>

#include "core/data/dataset.h"

namespace tb {

// `fraction` of the training rows (rounded, at least one, and at least one left to train on) become the
// returned split's test set, named "<name> (validation)"; the rest, in their original order, its training
// set. Throws std::invalid_argument for a fraction outside (0, 1) or a training set of fewer than 2 rows.
DataSplit hold_out_validation(const DataSplit& split, double fraction, std::uint64_t seed);

}  // namespace tb
