#!/usr/bin/env python3
"""Writes the small MAT files that tests/core/test_multi_task_data.cpp reads.

Rerun from the project root after changing a fixture:

    python3 tests/data/multitask/make_fixtures.py

It needs numpy and scipy (`pip install numpy scipy`) for the version 5 files and the matio shared library
(Debian: libmatio11, which libmatio-dev pulls in) for the version 7.3 file, which scipy cannot write. The
files are committed, so neither the build nor the tests need Python.

Every good file holds the same three tasks over two features (the test knows the values):
    task 1: X = [1 2; 3 4; 5 6],             Y = [10; 20; 30]
    task 2: X = [7 8; 9 10],                 Y = [40 50]         (a row vector)
    task 3: X = [11 12; 13 14; 15 16; 17 18], Y = [60; 70; 80; 90]
stored in mixed numeric classes (double, int16, single; double, int32, uint8), so that the reader's
conversion to double is exercised. Each bad file breaks one rule, named in its file name.
"""

import ctypes
import ctypes.util
import os

import numpy as np
import scipy.io
import scipy.sparse

HERE = os.path.dirname(os.path.abspath(__file__))

TASK_FEATURES = [
    np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float64),
    np.array([[7, 8], [9, 10]], dtype=np.int16),
    np.array([[11, 12], [13, 14], [15, 16], [17, 18]], dtype=np.float32),
]
TASK_TARGETS = [
    np.array([[10], [20], [30]], dtype=np.float64),
    np.array([[40, 50]], dtype=np.int32),
    np.array([[60], [70], [80], [90]], dtype=np.uint8),
]


def cells(*values):
    """A 1 x n MATLAB cell array holding `values` as they are."""
    array = np.empty((1, len(values)), dtype=object)
    for index, value in enumerate(values):
        array[0, index] = value
    return array


def save_v5(name, variables):
    scipy.io.savemat(os.path.join(HERE, name), variables, format="5", do_compression=True, oned_as="column")


def good_features():
    return cells(*TASK_FEATURES)


def good_targets():
    return cells(*TASK_TARGETS)


class Matio:
    """The few matio calls that write a version 7.3 (HDF5) file of cell arrays."""

    CLASS_CELL = 1
    TYPE_CELL = 21
    CLASS_OF_DTYPE = {np.float64: (6, 9), np.float32: (7, 7), np.int16: (10, 3), np.int32: (12, 5), np.uint8: (9, 2)}
    FILE_VERSION_73 = 0x0200

    def __init__(self):
        path = ctypes.util.find_library("matio")
        if path is None:
            raise SystemExit("libmatio is not installed (Debian: apt-get install libmatio-dev)")
        self.lib = ctypes.CDLL(path)
        pointer = ctypes.c_void_p
        self.lib.Mat_CreateVer.restype = pointer
        self.lib.Mat_CreateVer.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        self.lib.Mat_VarCreate.restype = pointer
        self.lib.Mat_VarCreate.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                           ctypes.POINTER(ctypes.c_size_t), pointer, ctypes.c_int]
        self.lib.Mat_VarSetCell.restype = pointer
        self.lib.Mat_VarSetCell.argtypes = [pointer, ctypes.c_int, pointer]
        self.lib.Mat_VarWrite.argtypes = [pointer, pointer, ctypes.c_int]
        self.lib.Mat_VarFree.argtypes = [pointer]
        self.lib.Mat_Close.argtypes = [pointer]

    def matrix(self, values):
        class_type, data_type = self.CLASS_OF_DTYPE[values.dtype.type]
        column_major = np.asfortranarray(values)
        dims = (ctypes.c_size_t * 2)(*values.shape)
        # matio copies the data, so the array may go once the call returns.
        return self.lib.Mat_VarCreate(None, class_type, data_type, 2, dims, column_major.ctypes.data, 0)

    def save_v73(self, name, variables):
        path = os.path.join(HERE, name)
        if os.path.exists(path):
            os.remove(path)
        file = self.lib.Mat_CreateVer(path.encode(), None, self.FILE_VERSION_73)
        if not file:
            raise SystemExit(f"matio cannot create {path}")
        for variable_name, values in variables.items():
            dims = (ctypes.c_size_t * 2)(1, len(values))
            cell = self.lib.Mat_VarCreate(variable_name.encode(), self.CLASS_CELL, self.TYPE_CELL, 2, dims, None, 0)
            for index, value in enumerate(values):
                self.lib.Mat_VarSetCell(cell, index, self.matrix(value))
            if self.lib.Mat_VarWrite(file, cell, 0) != 0:
                raise SystemExit(f"matio cannot write {variable_name} into {path}")
            self.lib.Mat_VarFree(cell)
        self.lib.Mat_Close(file)


def main():
    save_v5("good_v5.mat", {"X": good_features(), "Y": good_targets()})
    save_v5("custom_names_v5.mat", {"features": good_features(), "scores": good_targets()})
    Matio().save_v73("good_v73.mat", {"X": TASK_FEATURES, "Y": TASK_TARGETS})

    save_v5("missing_x.mat", {"Z": good_features(), "Y": good_targets()})
    save_v5("missing_y.mat", {"X": good_features()})
    save_v5("x_not_cell.mat", {"X": TASK_FEATURES[0], "Y": good_targets()})
    save_v5("cell_count_mismatch.mat", {"X": good_features(), "Y": cells(*TASK_TARGETS[:2])})
    save_v5("feature_count_mismatch.mat",
            {"X": cells(TASK_FEATURES[0], np.array([[7, 8, 0], [9, 10, 0]], dtype=np.float64), TASK_FEATURES[2]),
             "Y": good_targets()})
    save_v5("char_cell.mat", {"X": cells(TASK_FEATURES[0], "not numbers", TASK_FEATURES[2]), "Y": good_targets()})
    save_v5("struct_cell.mat",
            {"X": good_features(), "Y": cells(TASK_TARGETS[0], TASK_TARGETS[1], {"scores": TASK_TARGETS[2]})})
    save_v5("sparse_cell.mat",
            {"X": cells(TASK_FEATURES[0], TASK_FEATURES[1], scipy.sparse.csc_matrix(TASK_FEATURES[2])),
             "Y": good_targets()})
    save_v5("complex_cell.mat",
            {"X": good_features(), "Y": cells(TASK_TARGETS[0] + 1j, TASK_TARGETS[1], TASK_TARGETS[2])})
    save_v5("target_length_mismatch.mat",
            {"X": good_features(), "Y": cells(TASK_TARGETS[0], np.array([[40], [50], [55]]), TASK_TARGETS[2])})
    save_v5("target_not_vector.mat",
            {"X": good_features(), "Y": cells(np.array([[10, 1], [20, 2], [30, 3]]), TASK_TARGETS[1], TASK_TARGETS[2])})
    not_finite = np.array([[7, 8], [np.nan, 10]], dtype=np.float64)
    save_v5("not_finite.mat", {"X": cells(TASK_FEATURES[0], not_finite, TASK_FEATURES[2]), "Y": good_targets()})
    save_v5("empty_cell.mat",
            {"X": cells(TASK_FEATURES[0], np.zeros((0, 2)), TASK_FEATURES[2]),
             "Y": cells(TASK_TARGETS[0], np.zeros((0, 1)), TASK_TARGETS[2])})

    scipy.io.savemat(os.path.join(HERE, "version_4.mat"), {"X": TASK_FEATURES[0], "Y": TASK_TARGETS[0]}, format="4")
    with open(os.path.join(HERE, "not_a_mat_file.mat"), "w") as text:
        text.write("task,target,feature\n1,10,1\nThis is a CSV file renamed, not a MAT file.\n")
    # Version 5 cut inside Y; version 7.3 cut inside its HDF5 metadata, before any variable.
    for whole_name, truncated_name, keep in (("good_v5.mat", "truncated_v5.mat", 2 / 3), ("good_v73.mat", "truncated_v73.mat", 0.55)):
        with open(os.path.join(HERE, whole_name), "rb") as whole:
            content = whole.read()
        with open(os.path.join(HERE, truncated_name), "wb") as truncated:
            truncated.write(content[: int(len(content) * keep)])


if __name__ == "__main__":
    main()
