#pragma once
// Reader for the IDX files of MNIST and Fashion-MNIST (LeCun et al.; Xiao et al. 2017): an images file
// (magic 0x00000803: count, rows, columns, then one unsigned byte per pixel) and a labels file (magic
// 0x00000801: count, then one byte per label), each plain or gzip-compressed.

#include <filesystem>

#include "core/data/dataset.h"

namespace tb {

// Reads one split into a single-label data set with dense features: pixels scaled to [0, 1], one row per
// image (rows x columns pixels, row-major), number of labels = largest label + 1. The name is that of the
// folder for the standard file names (".../fashion-mnist/train-images-idx3-ubyte.gz" -> "fashion-mnist"),
// otherwise the images file's stem. Throws DataError naming the file and the byte offset at fault.
Dataset read_idx(const std::filesystem::path& images_file, const std::filesystem::path& labels_file);

}  // namespace tb
