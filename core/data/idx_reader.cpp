#include "core/data/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/data/regular_file_check.h"
#include "core/tensor/host_memory_budget.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t images_magic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr std::uint32_t labels_magic = 0x00000801;  // unsigned bytes, 1 dimension

std::string hexadecimal(std::uint32_t value) {
    std::array<char, 16> text{};
    std::snprintf(text.data(), text.size(), "0x%08X", value);
    return text.data();
}

// A plain or gzip-compressed binary file read front to back, with the offset kept for messages.
class IdxStream {
public:
    explicit IdxStream(const fs::path& file) : path_(file), file_((require_regular_file(file), gzopen(file.c_str(), "rb"))) {
        if (file_ == nullptr) throw DataError(path_.string() + ": cannot open for reading: " + std::strerror(errno));
    }
    ~IdxStream() { gzclose(file_); }
    IdxStream(const IdxStream&) = delete;
    IdxStream& operator=(const IdxStream&) = delete;

    [[noreturn]] void fail_at(std::size_t offset, const std::string& message) const {
        throw DataError(path_.string() + ": byte " + std::to_string(offset) + ": " + message);
    }
    [[noreturn]] void fail(const std::string& message) const { fail_at(offset_, message); }

    // IDX stores its integers big-endian.
    std::uint32_t read_big_endian(const std::string& what) {
        std::array<unsigned char, 4> bytes{};
        read_exactly(bytes.data(), bytes.size(), what);
        return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
               std::uint32_t{bytes[3]};
    }

    void read_exactly(unsigned char* destination, std::size_t count, const std::string& what) {
        std::size_t done = 0;
        while (done < count) {
            constexpr std::size_t largest_read = std::size_t{1} << 30;  // gzread counts in unsigned int
            const std::size_t wanted = std::min(count - done, largest_read);
            const int got = gzread(file_, destination + done, static_cast<unsigned>(wanted));
            if (got > 0) {
                done += static_cast<std::size_t>(got);
                offset_ += static_cast<std::size_t>(got);
            }
            check_stream();
            if (got <= 0) {
                fail("expected " + what + " (" + std::to_string(count) + " bytes), found only " + std::to_string(done) +
                     " bytes before the end of the file");
            }
        }
    }

    void expect_end(const std::string& after_what) {
        unsigned char extra = 0;
        const int got = gzread(file_, &extra, 1);
        check_stream();
        if (got > 0) fail("expected the end of the file after " + after_what + ", found more data");
    }

private:
    void check_stream() const {
        int status = Z_OK;
        const char* message = gzerror(file_, &status);
        if (status == Z_BUF_ERROR) fail("the compressed data ends early (the file is truncated)");
        if (status != Z_OK) fail(std::string("cannot read: ") + message);
    }

    fs::path path_;
    gzFile file_;
    std::size_t offset_ = 0;
};

std::string data_set_name(const fs::path& images_file) {
    const std::string stem = (images_file.extension() == ".gz" ? images_file.stem().stem() : images_file.stem()).string();
    // The standard names say which split, not which data set; the folder says that.
    const bool standard_name = stem.starts_with("train-") || stem.starts_with("t10k-");
    const fs::path folder = images_file.parent_path().filename();
    if (standard_name && !folder.empty()) return folder.string();
    return stem;
}

// The most bytes a file of `file_bytes` can hold once decompressed: itself when plain, and deflate's
// largest ratio, 1032:1 (zlib's technical details, "Maximum compression factor"), when gzip-compressed.
std::uint64_t largest_content_bytes(const fs::path& file) {
    const std::uint64_t file_bytes = fs::file_size(file);
    std::array<unsigned char, 2> magic{};
    if (FILE* raw = std::fopen(file.c_str(), "rb")) {
        const std::size_t got = std::fread(magic.data(), 1, magic.size(), raw);
        std::fclose(raw);
        if (got == magic.size() && magic[0] == 0x1f && magic[1] == 0x8b) return file_bytes * 1032 + 64;
    }
    return file_bytes;
}

// A header is checked against the file before anything is allocated: a corrupt count or size would
// otherwise ask for terabytes, or wrap the size arithmetic around and read past a short buffer.
void require_plausible_size(const fs::path& images_file, std::uint32_t count, std::uint32_t rows, std::uint32_t columns) {
    // Each factor is below 2^32, so the pixel count of one image fits in 64 bits; the total may not.
    const std::uint64_t pixels_per_image = std::uint64_t{rows} * columns;
    const std::uint64_t header_bytes = 16;
    const std::uint64_t available = largest_content_bytes(images_file);
    const bool overflows = count != 0 && pixels_per_image > (UINT64_MAX - header_bytes) / count;
    if (overflows || header_bytes + pixels_per_image * count > available) {
        const std::string claimed = std::to_string(count) + " images of " + std::to_string(rows) + "x" +
                                    std::to_string(columns) + " pixels";
        throw DataError(images_file.string() + ": byte 4: the header claims " + claimed +
                        (overflows ? " (more bytes than a 64-bit size can count)"
                                   : " (" + std::to_string(pixels_per_image * count) + " bytes)") +
                        ", but the file can hold at most " + std::to_string(available - header_bytes) +
                        " bytes of pixels; the header is damaged or the file is not an IDX images file");
    }
}

// IDX labels are class indices 0..K-1. A label far beyond the others (one damaged byte turning 10 classes
// into 201) would silently add empty classes to the model's output, so a range in which most classes
// never occur is an error that names the byte of the largest label. A real subset that lacks a few
// classes stays well inside the rule.
void require_dense_label_range(const fs::path& labels_file, const std::vector<unsigned char>& labels,
                               unsigned char largest) {
    std::array<bool, 256> occurs{};
    for (unsigned char label : labels) occurs[label] = true;
    const auto classes_seen = std::count(occurs.begin(), occurs.end(), true);
    const int classes_spanned = int{largest} + 1;
    if (classes_spanned < 8 || classes_seen * 2 >= classes_spanned) return;
    const auto where = std::find(labels.begin(), labels.end(), largest) - labels.begin();
    throw DataError(labels_file.string() + ": byte " + std::to_string(8 + where) + ": label " +
                    std::to_string(int{largest}) + " makes " + std::to_string(classes_spanned) +
                    " classes, but only " + std::to_string(classes_seen) +
                    " of them occur in the file; labels are class indices 0..K-1, so this byte is likely "
                    "damaged (check the file against its source)");
}

}  // namespace

Dataset read_idx(const fs::path& images_file, const fs::path& labels_file) {
    IdxStream images(images_file);
    const std::uint32_t image_magic = images.read_big_endian("the magic number");
    if (image_magic != images_magic) {
        images.fail_at(0, "expected the magic number " + hexadecimal(images_magic) + " of an IDX images file, found " +
                    hexadecimal(image_magic));
    }
    const std::uint32_t image_count = images.read_big_endian("the number of images");
    const std::uint32_t image_rows = images.read_big_endian("the number of pixel rows");
    const std::uint32_t image_columns = images.read_big_endian("the number of pixel columns");
    if (image_rows == 0 || image_columns == 0) images.fail_at(8, "expected images of at least one pixel, found 0 rows or columns");
    const std::size_t pixels_per_image = std::size_t{image_rows} * image_columns;
    require_plausible_size(images_file, image_count, image_rows, image_columns);
    // A compressed file may claim up to 1032 times its size: check that memory holds the pixels twice
    // (the file's bytes, then a float per pixel) before asking for it.
    const double pixel_bytes = static_cast<double>(pixels_per_image) * static_cast<double>(image_count) * (1 + sizeof(float));
    if (const std::string shortfall = host_memory_shortfall(pixel_bytes); !shortfall.empty()) {
        images.fail_at(4, "the header claims " + std::to_string(image_count) + " images of " + std::to_string(image_rows) +
                              "x" + std::to_string(image_columns) + " pixels, which read as floats " + shortfall +
                              "; check the header, or use fewer images");
    }

    IdxStream labels(labels_file);
    const std::uint32_t label_magic = labels.read_big_endian("the magic number");
    if (label_magic != labels_magic) {
        labels.fail_at(0, "expected the magic number " + hexadecimal(labels_magic) + " of an IDX labels file, found " +
                    hexadecimal(label_magic));
    }
    const std::uint32_t label_count = labels.read_big_endian("the number of labels");
    if (label_count != image_count) {
        labels.fail_at(4, "expected " + std::to_string(image_count) + " labels, one per image of " + images_file.string() +
                    ", found " + std::to_string(label_count));
    }

    std::vector<unsigned char> pixels(pixels_per_image * image_count);
    images.read_exactly(pixels.data(), pixels.size(), std::to_string(image_count) + " images of " +
                                                          std::to_string(image_rows) + "x" + std::to_string(image_columns) +
                                                          " pixels");
    images.expect_end("the last image");
    std::vector<unsigned char> label_bytes(label_count);
    labels.read_exactly(label_bytes.data(), label_bytes.size(), std::to_string(label_count) + " labels");
    labels.expect_end("the last label");

    Dataset data;
    data.name = data_set_name(images_file);
    data.source = images_file.string() + " + " + labels_file.string();
    data.task = TaskKind::single_label;
    data.sparse_features = false;
    data.dense = HostMatrix(image_count, static_cast<std::int64_t>(pixels_per_image));
    constexpr float brightest = 255.0f;
    std::transform(pixels.begin(), pixels.end(), data.dense.values.begin(),
                   [](unsigned char pixel) { return static_cast<float>(pixel) / brightest; });

    const unsigned char largest_label = label_bytes.empty() ? 0 : *std::max_element(label_bytes.begin(), label_bytes.end());
    require_dense_label_range(labels_file, label_bytes, largest_label);
    data.labels.cols = std::int64_t{largest_label} + 1;
    data.labels.rows = image_count;
    data.labels.row_offsets.resize(std::size_t{image_count} + 1);
    data.labels.column_indices.resize(image_count);
    data.labels.values.assign(image_count, 1.0f);
    for (std::size_t row = 0; row < label_count; ++row) {
        data.labels.row_offsets[row + 1] = static_cast<std::int64_t>(row + 1);
        data.labels.column_indices[row] = label_bytes[row];
    }
    return data;
}

}  // namespace tb
