#include "core/kernel_methods/gram_matrix_store.h"

#include <bit>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace tb {

namespace {

constexpr const char* file_magic = "TBGRAM 1";

std::uint64_t fnv1a(const void* data, std::size_t size) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        hash ^= bytes[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::string header_line(const GramMatrixKey& key) {
    return nlohmann::json{{"data", key.data}, {"kernel", key.kernel}, {"samples", key.samples}}.dump();
}

static_assert(std::endian::native == std::endian::little, "the stored Gram matrix is little-endian");

}  // namespace

std::filesystem::path gram_matrix_file(const std::filesystem::path& folder, const GramMatrixKey& key) {
    const std::string identity = key.data + "|" + key.kernel;
    char name[40];
    std::snprintf(name, sizeof name, "gram-%016llx.bin",
                  static_cast<unsigned long long>(fnv1a(identity.data(), identity.size())));
    return folder / name;
}

StoredGramMatrix load_gram_matrix(const std::filesystem::path& file, const GramMatrixKey& key) {
    StoredGramMatrix stored;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        stored.why_not = file.string() + " does not exist yet";
        return stored;
    }
    std::string magic, header;
    if (!std::getline(in, magic) || magic != file_magic || !std::getline(in, header)) {
        stored.why_not = file.string() + " is not a stored Gram matrix (its first line is not \"" + file_magic + "\")";
        return stored;
    }
    if (header != header_line(key)) {
        stored.why_not = file.string() + " holds a Gram matrix of other data or kernel settings (" + header +
                         ", wanted " + header_line(key) + ")";
        return stored;
    }
    const std::size_t count = static_cast<std::size_t>(key.samples * key.samples);
    std::vector<double> values(count);
    std::uint64_t checksum = 0;
    in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * sizeof(double)));
    in.read(reinterpret_cast<char*>(&checksum), sizeof checksum);
    if (!in || in.peek() != std::ifstream::traits_type::eof()) {
        stored.why_not = file.string() + " is truncated or has trailing bytes (" + std::to_string(count) + " values expected)";
        return stored;
    }
    if (checksum != fnv1a(values.data(), count * sizeof(double))) {
        stored.why_not = file.string() + " is corrupt: its values do not match their checksum";
        return stored;
    }
    stored.values = std::move(values);
    return stored;
}

void save_gram_matrix(const std::filesystem::path& file, const GramMatrixKey& key, std::span<const double> values) {
    if (values.size() != static_cast<std::size_t>(key.samples * key.samples)) {
        throw std::invalid_argument("save_gram_matrix: the values are not samples x samples");
    }
    std::error_code error;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), error);
    if (error) throw std::runtime_error("cannot make the folder " + file.parent_path().string() + ": " + error.message());
    const std::filesystem::path temporary = file.string() + ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot open " + temporary.string() + " for writing");
        out << file_magic << '\n' << header_line(key) << '\n';
        out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size_bytes()));
        const std::uint64_t checksum = fnv1a(values.data(), values.size_bytes());
        out.write(reinterpret_cast<const char*>(&checksum), sizeof checksum);
        if (!out.flush()) throw std::runtime_error("cannot write the Gram matrix to " + temporary.string());
    }
    std::filesystem::rename(temporary, file, error);
    if (error) throw std::runtime_error("cannot move the Gram matrix into " + file.string() + ": " + error.message());
}

}  // namespace tb
