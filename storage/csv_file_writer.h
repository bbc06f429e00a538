#pragma once
// Writes one CSV file (RFC 4180): text quoted only when it holds a comma, quote or line break, numbers
// in their shortest exact form, NaN as an empty field (read back as missing by pandas and spreadsheets).

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace tb::storage {

class CsvFileWriter {
public:
    // Throws StorageError naming the file when it cannot be created.
    explicit CsvFileWriter(const std::filesystem::path& path);

    CsvFileWriter& text(std::string_view value);
    CsvFileWriter& number(double value);
    CsvFileWriter& integer(std::int64_t value);
    void end_row();
    // Throws StorageError when anything could not be written (a full disk).
    void finish();

private:
    void separate();

    std::filesystem::path path_;
    std::ofstream stream_;
    bool row_started_ = false;
};

}  // namespace tb::storage
