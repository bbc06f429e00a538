// read_xmlc_text on arbitrary bytes. A DataError is the reader doing its job; any other exception, a
// sanitizer report or an accepted file that yields an inconsistent data set is a finding.

#include <cstddef>
#include <cstdint>

#include "core/data/xmlc_text_reader.h"
#include "core/errors.h"
#include "tests/fuzz/dataset_invariants.h"
#include "tests/fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tb::fuzz::FuzzInputFile input("bibtex_train.txt");
    try {
        tb::fuzz::check_dataset_invariants(tb::read_xmlc_text(input.write(data, size)));
    } catch (const tb::DataError&) {
    }
    return 0;
}
