#pragma once
// A store damaged the way a failing disk or a careless copy leaves one: a real store whose table has its
// first page overwritten after the page header (cell pointers and cells), the schema page intact. SQLite
// opens it and goes on appending rows; only reading that page fails.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "storage/run_store.h"
#include "storage/storage_sink.h"
#include "tests/storage/run_event_builders.h"

namespace tb::storage::testing {

inline void record_run_of_one_evaluation(RunStore& store) {
    StorageSink sink(store);
    sink.on_event(run_started());
    sink.on_event(evaluation(1.0, {{"p@1", 0.3}}));
    sink.on_event(merge(1.5, 0, {0.6, 0.4}, {3, 2}));
    sink.on_event(run_finished(2.0));
    sink.close();
}

inline void make_store_with_one_damaged_page(const std::filesystem::path& path, const std::string& table) {
    std::int64_t page = 0;
    std::int64_t page_size = 0;
    {
        RunStore store(path);
        record_run_of_one_evaluation(store);
        page = store.connection().query_integer("SELECT rootpage FROM sqlite_schema WHERE name = '" + table + "'",
                                                "find the table's page");
        page_size = store.connection().query_integer("PRAGMA page_size", "read the page size");
    }
    // The last connection closed checkpointed the WAL into the file, so the page is in the file itself.
    if (std::filesystem::exists(path.string() + "-wal")) throw std::runtime_error("the store kept its -wal file");
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp((page - 1) * page_size + 8);
    for (std::int64_t byte = 8; byte < page_size; ++byte) file.put(static_cast<char>(0xA5));
    if (!file) throw std::runtime_error("could not damage " + path.string());
}

}  // namespace tb::storage::testing
