#include "storage/telemetry_loading.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "storage/run_store.h"
#include "storage/sqlite_statement.h"
#include "storage/storage_error.h"

namespace tb::storage {
namespace {

std::vector<std::string> strings_of(const std::string& text) {
    std::vector<std::string> strings;
    const nlohmann::json array = nlohmann::json::parse(text, nullptr, false);
    if (!array.is_array()) return strings;
    for (const nlohmann::json& item : array) strings.push_back(item.is_string() ? item.get<std::string>() : item.dump());
    return strings;
}

}  // namespace

std::vector<TraceSeries> load_traces(RunStore& store, std::int64_t run_id) {
    SqliteStatement query(store.connection(),
                          "SELECT panel, series, x_axis, x, t, wall, value FROM traces WHERE run = ? "
                          "ORDER BY panel, series, point",
                          "read a run's traces");
    query.bind_integer(1, run_id);
    std::vector<TraceSeries> all;
    while (query.step()) {
        std::string panel = query.column_text(0);
        std::string series = query.column_text(1);
        if (all.empty() || all.back().panel != panel || all.back().series != series) {
            all.push_back({std::move(panel), std::move(series), query.column_text(2), {}});
        }
        all.back().points.push_back(
            {query.column_double(3), query.column_double(4), query.column_double(5), query.column_real(6)});
    }
    return all;
}

std::vector<StoredMatrixSnapshot> load_matrix_snapshots(RunStore& store, std::int64_t run_id) {
    SqliteStatement query(store.connection(),
                          "SELECT name, snapshot, t, wall, rows, cols, cells, row_labels, column_labels "
                          "FROM matrix_snapshots WHERE run = ? ORDER BY t, name, snapshot",
                          "read a run's matrix snapshots");
    query.bind_integer(1, run_id);
    std::vector<StoredMatrixSnapshot> snapshots;
    while (query.step()) {
        StoredMatrixSnapshot stored;
        stored.matrix.name = query.column_text(0);
        stored.index = query.column_int64(1);
        stored.t = query.column_double(2);
        stored.wall_s = query.column_double(3);
        stored.matrix.rows = query.column_int64(4);
        stored.matrix.cols = query.column_int64(5);
        const nlohmann::json cells = nlohmann::json::parse(query.column_text(6), nullptr, false);
        if (cells.is_array()) {
            for (const nlohmann::json& cell : cells) {
                stored.matrix.values.push_back(cell.is_number() ? cell.get<double>()
                                                                : std::numeric_limits<double>::quiet_NaN());
            }
        }
        stored.matrix.labels.rows = strings_of(query.column_text(7));
        stored.matrix.labels.columns = strings_of(query.column_text(8));
        if (static_cast<std::int64_t>(stored.matrix.values.size()) != stored.matrix.rows * stored.matrix.cols) {
            throw StorageError("Run store '" + store.path().string() + "': run " + std::to_string(run_id) +
                               "'s matrix snapshot '" + stored.matrix.name + "' #" + std::to_string(stored.index) +
                               " is damaged (its cells do not fill its shape); delete the run or restore the file.");
        }
        snapshots.push_back(std::move(stored));
    }
    return snapshots;
}

}  // namespace tb::storage
