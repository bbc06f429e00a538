// read_libsvm on arbitrary bytes, built twice: single-label (`3 1:0.5 7:1`) and, with
// TB_FUZZ_MULTI_LABEL=1, multi-label (`0,4 1:0.5 7:1`). The first byte picks the options a config can
// set (0-based ids, fixed feature and label counts), so that their checks are fuzzed too. A DataError
// is the reader doing its job; any other exception, a sanitizer report or an accepted file that yields
// an inconsistent data set is a finding.

#include <cstddef>
#include <cstdint>

#include "core/data/libsvm_reader.h"
#include "core/errors.h"
#include "tests/fuzz/dataset_invariants.h"
#include "tests/fuzz/fuzz_input_file.h"
#include "tests/fuzz/libsvm_options_from_byte.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tb::fuzz::FuzzInputFile input("data.svm");
    if (size == 0) return 0;
    const tb::LibsvmOptions options = tb::fuzz::libsvm_options_from_byte(data[0], TB_FUZZ_MULTI_LABEL != 0);
    try {
        tb::fuzz::check_dataset_invariants(tb::read_libsvm(input.write(data + 1, size - 1), options));
    } catch (const tb::DataError&) {
    }
    return 0;
}
