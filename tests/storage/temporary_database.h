#pragma once
// Where the storage tests keep their run store: a runs.sqlite inside a temporary folder of the test.

#include <filesystem>

#include <QTemporaryDir>

namespace tb::storage::testing {

inline std::filesystem::path database_in(const QTemporaryDir& folder) {
    return std::filesystem::path(folder.path().toStdString()) / "runs.sqlite";
}

}  // namespace tb::storage::testing
