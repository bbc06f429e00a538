// detect_data_format, which the workbench's file picker runs on any file a person points it at, on
// arbitrary bytes. It answers `unknown` for what it does not recognize and throws DataError only for a
// file it cannot open; any exception, a sanitizer report or an answer outside DataFormat is a finding.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/data/data_format.h"
#include "core/errors.h"
#include "tests/fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tb::fuzz::FuzzInputFile input("picked_file");
    const tb::DataFormat format = tb::detect_data_format(input.write(data, size));
    if (tb::to_string(format).empty()) {
        std::fprintf(stderr, "detect_data_format returned a format without a name (%d)\n", static_cast<int>(format));
        std::abort();
    }
    return 0;
}
