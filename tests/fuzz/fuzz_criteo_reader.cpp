// read_criteo on arbitrary bytes. The first byte picks the options a config can set (skipping malformed
// lines or not, a few bucket counts, the hash seed), so that their paths are fuzzed too. A DataError is
// the reader doing its job; any other exception, a sanitizer report, or accepted rows whose sizes, labels,
// dense values or buckets break the reader's promises are findings.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/data/ctr/criteo_reader.h"
#include "core/errors.h"
#include "tests/fuzz/fuzz_input_file.h"

namespace {

void check_rows(const tb::CtrRows& rows, std::int64_t buckets) {
    const auto count = static_cast<std::size_t>(rows.rows());
    if (rows.dense.size() != count * 13 || rows.categorical.size() != count * 26 || rows.buckets_per_field.size() != 26) std::abort();
    for (const float label : rows.labels) {
        if (label != 0.0f && label != 1.0f) std::abort();
    }
    for (const float value : rows.dense) {
        if (!std::isfinite(value) || value < 0) std::abort();  // log(1 + max(x, 0)) of a finite number
    }
    for (const std::uint32_t bucket : rows.categorical) {
        if (bucket >= buckets) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tb::fuzz::FuzzInputFile input("data.txt");
    if (size == 0) return 0;
    tb::CriteoOptions options;
    options.skip_malformed = (data[0] & 1) != 0;
    const std::int64_t bucket_choices[] = {2, 3, 1000, 1 << 20};
    options.buckets_per_field = bucket_choices[(data[0] >> 1) & 3];
    options.hash_seed = data[0] >> 3;
    try {
        check_rows(tb::read_criteo(input.write(data + 1, size - 1), options), options.buckets_per_field);
    } catch (const tb::DataError&) {
    }
    return 0;
}
