// read_idx on arbitrary bytes. The reader takes an images file and a labels file, so an input is both:
// its first four bytes, big-endian, say how many of the rest belong to the images file (more than there
// are: all of them), and the remainder is the labels file. A DataError is the reader doing its job; any
// other exception, a sanitizer report or an accepted pair that yields an inconsistent data set is a
// finding.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/data/idx_reader.h"
#include "core/errors.h"
#include "tests/fuzz/dataset_invariants.h"
#include "tests/fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tb::fuzz::FuzzInputFile images("train-images-idx3-ubyte");
    static const tb::fuzz::FuzzInputFile labels("train-labels-idx1-ubyte");
    constexpr std::size_t length_bytes = 4;
    if (size < length_bytes) return 0;
    const std::size_t claimed = (std::size_t{data[0]} << 24) | (std::size_t{data[1]} << 16) |
                                (std::size_t{data[2]} << 8) | std::size_t{data[3]};
    const std::uint8_t* const files = data + length_bytes;
    const std::size_t files_size = size - length_bytes;
    const std::size_t images_size = std::min(claimed, files_size);
    try {
        tb::fuzz::check_dataset_invariants(tb::read_idx(images.write(files, images_size),
                                                        labels.write(files + images_size, files_size - images_size)));
    } catch (const tb::DataError&) {
    }
    return 0;
}
