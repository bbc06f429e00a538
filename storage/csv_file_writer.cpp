#include "storage/csv_file_writer.h"

#include <charconv>
#include <cmath>
#include <string>

#include "storage/storage_error.h"

namespace tb::storage {

CsvFileWriter::CsvFileWriter(const std::filesystem::path& path) : path_(path), stream_(path, std::ios::binary) {
    if (!stream_) {
        throw StorageError("Could not create '" + path.string() + "': check that the folder exists and can be written.");
    }
}

void CsvFileWriter::separate() {
    if (row_started_) stream_.put(',');
    row_started_ = true;
}

CsvFileWriter& CsvFileWriter::text(std::string_view value) {
    separate();
    if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
        stream_ << value;
        return *this;
    }
    stream_.put('"');
    for (const char character : value) {
        if (character == '"') stream_.put('"');
        stream_.put(character);
    }
    stream_.put('"');
    return *this;
}

CsvFileWriter& CsvFileWriter::number(double value) {
    separate();
    if (std::isnan(value)) return *this;
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    stream_.write(buffer, result.ptr - buffer);
    return *this;
}

CsvFileWriter& CsvFileWriter::integer(std::int64_t value) {
    separate();
    stream_ << value;
    return *this;
}

void CsvFileWriter::end_row() {
    stream_.put('\n');
    row_started_ = false;
}

void CsvFileWriter::finish() {
    stream_.flush();
    if (!stream_) {
        throw StorageError("Could not write '" + path_.string() + "' completely: check the free disk space.");
    }
    stream_.close();
}

}  // namespace tb::storage
