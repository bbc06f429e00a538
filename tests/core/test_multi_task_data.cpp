// Multi-task regression data: School through the MAT reader against statistics computed independently
// with scipy, the MAT reader's errors on small broken files (tests/data/multitask/, written by
// make_fixtures.py there), the task folder reader's two layouts and its errors, per-task splits, and the
// synthetic generator's planted structures checked against the data it draws.

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/data/data_paths.h"
#include "core/data/multitask/mat_file_reader.h"
#include "core/data/multitask/multi_task_data.h"
#include "core/data/multitask/synthetic_multi_task.h"
#include "core/data/multitask/task_folder_reader.h"
#include "core/errors.h"

using namespace tb;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name) { return fs::path(TB_SOURCE_DIR) / "tests" / "data" / "multitask" / name; }

std::optional<fs::path> school_file() {
    const std::optional<fs::path> shared = shared_data_folder();
    if (!shared || !fs::is_regular_file(*shared / "mtl" / "school.mat")) return std::nullopt;
    return *shared / "mtl" / "school.mat";
}

// The message of the DataError that `call` throws, or an empty string when it throws none.
QString data_error_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const DataError& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

template <typename Exception>
QString message_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const Exception& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

bool contains_all(const QString& message, const QStringList& fragments) {
    return !message.isEmpty() && std::all_of(fragments.begin(), fragments.end(), [&](const QString& part) { return message.contains(part); });
}

void write_file(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary);
    out << text;
}

double sum_of(const std::vector<double>& values) { return std::accumulate(values.begin(), values.end(), 0.0); }

// The three tasks every good fixture holds (make_fixtures.py).
void check_fixture_tasks(const MultiTaskData& data) {
    QCOMPARE(data.task_count(), std::int64_t{3});
    QCOMPARE(data.features, std::int64_t{2});
    QCOMPARE(data.total_rows(), std::int64_t{9});
    QCOMPARE(data.tasks[0].name, std::string("task 1"));
    QCOMPARE(data.tasks[2].name, std::string("task 3"));
    QCOMPARE(data.tasks[0].features, (std::vector<double>{1, 2, 3, 4, 5, 6}));
    QCOMPARE(data.tasks[1].features, (std::vector<double>{7, 8, 9, 10}));
    QCOMPARE(data.tasks[2].features, (std::vector<double>{11, 12, 13, 14, 15, 16, 17, 18}));
    QCOMPARE(data.tasks[0].targets, (std::vector<double>{10, 20, 30}));
    QCOMPARE(data.tasks[1].targets, (std::vector<double>{40, 50}));
    QCOMPARE(data.tasks[2].targets, (std::vector<double>{60, 70, 80, 90}));
    for (const TaskData& task : data.tasks) QCOMPARE(static_cast<std::int64_t>(task.targets.size()), task.rows);
}

// Tasks of the given sizes over two features; row r of a task has target r and features (r, -r), so a
// split's rows can be traced back.
MultiTaskData tasks_of_sizes(const std::vector<std::int64_t>& sizes) {
    MultiTaskData data;
    data.name = "sizes";
    data.source = "test";
    data.features = 2;
    for (std::size_t t = 0; t < sizes.size(); ++t) {
        TaskData task;
        task.name = "task " + std::to_string(t + 1);
        task.rows = sizes[t];
        for (std::int64_t r = 0; r < sizes[t]; ++r) {
            task.features.insert(task.features.end(), {static_cast<double>(r), -static_cast<double>(r)});
            task.targets.push_back(static_cast<double>(r));
        }
        data.tasks.push_back(std::move(task));
    }
    return data;
}

// Least squares with an intercept, [X 1] beta = y, through the normal equations and Gaussian elimination
// with partial pivoting; returns the weights followed by the intercept.
std::vector<double> least_squares_with_intercept(const TaskData& task, std::int64_t features) {
    const auto n = static_cast<std::size_t>(features + 1);
    std::vector<double> gram(n * n, 0.0), right(n, 0.0);
    for (std::int64_t r = 0; r < task.rows; ++r) {
        std::vector<double> x(task.row(r, features), task.row(r, features) + features);
        x.push_back(1.0);
        for (std::size_t i = 0; i < n; ++i) {
            right[i] += x[i] * task.targets[static_cast<std::size_t>(r)];
            for (std::size_t j = 0; j < n; ++j) gram[i * n + j] += x[i] * x[j];
        }
    }
    for (std::size_t k = 0; k < n; ++k) {
        std::size_t pivot = k;
        for (std::size_t i = k + 1; i < n; ++i) {
            if (std::abs(gram[i * n + k]) > std::abs(gram[pivot * n + k])) pivot = i;
        }
        for (std::size_t j = 0; j < n; ++j) std::swap(gram[k * n + j], gram[pivot * n + j]);
        std::swap(right[k], right[pivot]);
        for (std::size_t i = k + 1; i < n; ++i) {
            const double factor = gram[i * n + k] / gram[k * n + k];
            for (std::size_t j = k; j < n; ++j) gram[i * n + j] -= factor * gram[k * n + j];
            right[i] -= factor * right[k];
        }
    }
    std::vector<double> solution(n, 0.0);
    for (std::size_t k = n; k-- > 0;) {
        double sum = right[k];
        for (std::size_t j = k + 1; j < n; ++j) sum -= gram[k * n + j] * solution[j];
        solution[k] = sum / gram[k * n + k];
    }
    return solution;
}

// The eigenvalues of a symmetric matrix (size x size, row-major) by cyclic Jacobi rotations, descending:
// for W^T W these are the squared singular values of W.
std::vector<double> symmetric_eigenvalues(std::vector<double> matrix, std::size_t size) {
    const auto at = [&](std::size_t i, std::size_t j) -> double& { return matrix[i * size + j]; };
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off_diagonal = 0, total = 0;
        for (std::size_t i = 0; i < size; ++i) {
            for (std::size_t j = 0; j < size; ++j) {
                total += at(i, j) * at(i, j);
                if (i != j) off_diagonal += at(i, j) * at(i, j);
            }
        }
        if (off_diagonal <= 1e-30 * total) break;
        for (std::size_t p = 0; p < size; ++p) {
            for (std::size_t q = p + 1; q < size; ++q) {
                if (at(p, q) == 0) continue;
                const double theta = (at(q, q) - at(p, p)) / (2 * at(p, q));
                const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (std::size_t k = 0; k < size; ++k) {  // columns p and q
                    const double kp = at(k, p), kq = at(k, q);
                    at(k, p) = c * kp - s * kq;
                    at(k, q) = s * kp + c * kq;
                }
                for (std::size_t k = 0; k < size; ++k) {  // rows p and q
                    const double pk = at(p, k), qk = at(q, k);
                    at(p, k) = c * pk - s * qk;
                    at(q, k) = s * pk + c * qk;
                }
            }
        }
    }
    std::vector<double> values(size);
    for (std::size_t i = 0; i < size; ++i) values[i] = at(i, i);
    std::sort(values.rbegin(), values.rend());
    return values;
}

const double* weight_column(const SyntheticMultiTask& synthetic, std::int64_t task) {
    return synthetic.truth.weights.data() + task * synthetic.data.features;
}

double distance(const double* left, const double* right, std::int64_t size) {
    double sum = 0;
    for (std::int64_t i = 0; i < size; ++i) sum += (left[i] - right[i]) * (left[i] - right[i]);
    return std::sqrt(sum);
}

double correlation(const double* left, const double* right, std::int64_t size) {
    double left_mean = 0, right_mean = 0;
    for (std::int64_t i = 0; i < size; ++i) {
        left_mean += left[i] / static_cast<double>(size);
        right_mean += right[i] / static_cast<double>(size);
    }
    double product = 0, left_square = 0, right_square = 0;
    for (std::int64_t i = 0; i < size; ++i) {
        product += (left[i] - left_mean) * (right[i] - right_mean);
        left_square += (left[i] - left_mean) * (left[i] - left_mean);
        right_square += (right[i] - right_mean) * (right[i] - right_mean);
    }
    return product / std::sqrt(left_square * right_square);
}

}  // namespace

class TestMultiTaskData : public QObject {
    Q_OBJECT

private slots:
    // The expected figures were computed with scipy 1.17 from the same file:
    //   m = scipy.io.loadmat('school.mat', mat_dtype=True); X, Y = m['X'][0], m['Y'][0]
    //   x = numpy.vstack(X); y = numpy.concatenate([t.ravel() for t in Y])
    //   x.sum(), (x**2).sum(), x.sum(axis=0), y.sum(), (y**2).sum(), (x[:, 3] * y).sum(),
    //   [t.shape[0] for t in X], X[0][0], X[138][-1]
    void school_reads_as_139_schools_of_28_features() {
        const std::optional<fs::path> file = school_file();
        if (!file) QSKIP("School is absent: put the shared data folder at ../shared/data or set TRAINBENCH_DATA");
        const MultiTaskData school = read_multi_task_mat_file(*file);
        QCOMPARE(school.name, std::string("school"));
        QCOMPARE(school.task_count(), std::int64_t{139});
        QCOMPARE(school.features, std::int64_t{28});
        QCOMPARE(school.total_rows(), std::int64_t{15362});

        std::int64_t rows = 0;
        double feature_sum = 0, feature_squares = 0, target_sum = 0, target_squares = 0, fourth_times_target = 0;
        std::vector<double> column_sums(28, 0.0);
        for (const TaskData& task : school.tasks) {
            QCOMPARE(static_cast<std::int64_t>(task.targets.size()), task.rows);
            QCOMPARE(static_cast<std::int64_t>(task.features.size()), task.rows * 28);
            rows += task.rows;
            for (std::int64_t r = 0; r < task.rows; ++r) {
                const double* x = task.row(r, 28);
                const double y = task.targets[static_cast<std::size_t>(r)];
                QVERIFY(std::isfinite(y));
                target_sum += y;
                target_squares += y * y;
                fourth_times_target += x[3] * y;
                for (std::size_t c = 0; c < 28; ++c) {
                    QVERIFY(std::isfinite(x[c]));
                    feature_sum += x[c];
                    feature_squares += x[c] * x[c];
                    column_sums[c] += x[c];
                }
            }
        }
        QCOMPARE(rows, std::int64_t{15362});
        // All values are small integers, so the sums are exact in double precision.
        QCOMPARE(feature_sum, 1076348.0);
        QCOMPARE(feature_squares, 37659664.0);
        QCOMPARE(target_sum, 316416.0);
        QCOMPARE(target_squares, 9003434.0);
        QCOMPARE(fourth_times_target, 12493731.0);
        QCOMPARE(column_sums[3], 628872.0);
        QCOMPARE(column_sums[4], 339957.0);
        QCOMPARE(column_sums[27], 15362.0);  // the last feature is a constant 1 in every row

        QCOMPARE(school.tasks[0].rows, std::int64_t{200});
        QCOMPARE(school.tasks[1].rows, std::int64_t{91});
        QCOMPARE(school.tasks[29].rows, std::int64_t{251});  // the largest school
        QCOMPARE(school.tasks[75].rows, std::int64_t{22});   // the smallest
        QCOMPARE(school.tasks[138].rows, std::int64_t{23});
        const std::vector<double> first_row{1, 0, 0, 24, 18, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1};
        const std::vector<double> last_row{0, 0, 1, 38, 24, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1};
        QCOMPARE(std::vector<double>(school.tasks[0].row(0, 28), school.tasks[0].row(0, 28) + 28), first_row);
        QCOMPARE(school.tasks[0].targets[0], 17.0);
        const TaskData& last = school.tasks[138];
        QCOMPARE(std::vector<double>(last.row(last.rows - 1, 28), last.row(last.rows - 1, 28) + 28), last_row);
        QCOMPARE(last.targets.back(), 18.0);
        QCOMPARE(sum_of(school.tasks[0].targets) / 200.0, 16.825);
    }

    void mat_files_of_versions_5_and_7_3_read_alike() {
        check_fixture_tasks(read_multi_task_mat_file(fixture("good_v5.mat")));
        check_fixture_tasks(read_multi_task_mat_file(fixture("good_v73.mat")));
        const MultiTaskData named = read_multi_task_mat_file(fixture("custom_names_v5.mat"), "features", "scores");
        check_fixture_tasks(named);
        QCOMPARE(named.name, std::string("custom_names_v5"));
        QCOMPARE(named.source, fixture("custom_names_v5.mat").string());
    }

    void broken_mat_files_are_named_in_the_error_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("features");
        QTest::addColumn<QString>("targets");
        QTest::addColumn<QStringList>("fragments");
        QTest::newRow("no X") << "missing_x.mat" << "X" << "Y" << QStringList{"missing_x.mat", "no variable 'X'", "Y", "Z"};
        QTest::newRow("no Y") << "missing_y.mat" << "X" << "Y" << QStringList{"missing_y.mat", "no variable 'Y'", "holds: X"};
        QTest::newRow("variable not asked for") << "good_v5.mat" << "features" << "Y" << QStringList{"no variable 'features'"};
        QTest::newRow("X not a cell array") << "x_not_cell.mat" << "X" << "Y" << QStringList{"'X' is a 3x2 double array", "cell array"};
        QTest::newRow("different cell counts") << "cell_count_mismatch.mat" << "X" << "Y" << QStringList{"'X' has 3 cells but 'Y' has 2"};
        QTest::newRow("different feature counts") << "feature_count_mismatch.mat" << "X" << "Y"
                                                  << QStringList{"variable 'X', cell 2", "task 2 has 3 features", "task 1 has 2"};
        QTest::newRow("text cell") << "char_cell.mat" << "X" << "Y" << QStringList{"variable 'X', cell 2", "class char", "numeric"};
        QTest::newRow("struct cell") << "struct_cell.mat" << "X" << "Y" << QStringList{"variable 'Y', cell 3", "class struct"};
        QTest::newRow("sparse cell") << "sparse_cell.mat" << "X" << "Y" << QStringList{"variable 'X', cell 3", "sparse"};
        QTest::newRow("complex cell") << "complex_cell.mat" << "X" << "Y" << QStringList{"variable 'Y', cell 1", "complex"};
        QTest::newRow("targets do not match rows") << "target_length_mismatch.mat" << "X" << "Y"
                                                   << QStringList{"variable 'Y', cell 2", "3 targets", "2 rows"};
        QTest::newRow("targets not a vector") << "target_not_vector.mat" << "X" << "Y" << QStringList{"variable 'Y', cell 1", "3x2 matrix"};
        QTest::newRow("not finite") << "not_finite.mat" << "X" << "Y" << QStringList{"variable 'X', cell 2", "row 2, column 1", "finite"};
        QTest::newRow("empty task") << "empty_cell.mat" << "X" << "Y" << QStringList{"variable 'X', cell 2", "empty"};
        QTest::newRow("version 4") << "version_4.mat" << "X" << "Y" << QStringList{"version 4", "cannot hold cell arrays", "-v7.3"};
        QTest::newRow("not a MAT file") << "not_a_mat_file.mat" << "X" << "Y" << QStringList{"not_a_mat_file.mat", "version 5"};
        QTest::newRow("truncated") << "truncated_v5.mat" << "X" << "Y" << QStringList{"no variable 'Y'", "truncated or damaged"};
        QTest::newRow("version 7.3, variable not asked for") << "good_v73.mat" << "features" << "Y"
                                                             << QStringList{"no variable 'features'", "holds: X, Y"};
        QTest::newRow("version 7.3, truncated") << "truncated_v73.mat" << "X" << "Y"
                                                << QStringList{"no variable 'X'", "truncated or damaged"};
        QTest::newRow("missing file") << "does_not_exist.mat" << "X" << "Y" << QStringList{"not found", "does_not_exist.mat"};
    }
    void broken_mat_files_are_named_in_the_error() {
        QFETCH(QString, file);
        QFETCH(QString, features);
        QFETCH(QString, targets);
        QFETCH(QStringList, fragments);
        const QString message = data_error_of([&] {
            read_multi_task_mat_file(fixture(file.toStdString()), features.toStdString(), targets.toStdString());
        });
        qInfo("%s", qPrintable(message));
        QVERIFY2(contains_all(message, fragments), qPrintable("message: " + message));
        QVERIFY2(message.contains(QString::fromStdString(fixture(file.toStdString()).string())), qPrintable(message));
    }

    void task_folders_read_csv_with_and_without_header() {
        QTemporaryDir folder;
        QVERIFY(folder.isValid());
        const fs::path root = folder.path().toStdString();
        write_file(root / "b_school.csv", "score,age,income\n1.5,2,3\n\n-4,5e-1,6\n");
        write_file(root / "a_school.csv", "7,8,9\r\n10,+11,12\r\n13,14,15");
        write_file(root / ".hidden.csv", "not,a,task\n");
        write_file(root / "notes.md", "not a task either\n");
        fs::create_directory(root / "folder.csv");
        const MultiTaskData data = read_task_folder(root);
        QCOMPARE(data.task_count(), std::int64_t{2});
        QCOMPARE(data.features, std::int64_t{2});
        QCOMPARE(data.source, root.string());
        QCOMPARE(data.tasks[0].name, std::string("a_school"));
        QCOMPARE(data.tasks[0].rows, std::int64_t{3});
        QCOMPARE(data.tasks[0].targets, (std::vector<double>{7, 10, 13}));
        QCOMPARE(data.tasks[0].features, (std::vector<double>{8, 9, 11, 12, 14, 15}));
        QCOMPARE(data.tasks[1].name, std::string("b_school"));
        QCOMPARE(data.tasks[1].targets, (std::vector<double>{1.5, -4}));
        QCOMPARE(data.tasks[1].features, (std::vector<double>{2, 3, 0.5, 6}));
    }

    void task_folders_read_the_libsvm_layout() {
        QTemporaryDir folder;
        QVERIFY(folder.isValid());
        const fs::path root = folder.path().toStdString();
        write_file(root / "first.svm", "# exam scores\n2.5 1:1 3:-2\n-1 4:0.25 2:3 # unordered\n0\n");
        write_file(root / "second.txt", "4\t2:1\n");
        write_file(root / "third.libsvm", "1e2 1:1\n");
        const MultiTaskData data = read_task_folder(root);
        QCOMPARE(data.task_count(), std::int64_t{3});
        QCOMPARE(data.features, std::int64_t{4});
        QCOMPARE(data.tasks[0].name, std::string("first"));
        QCOMPARE(data.tasks[0].targets, (std::vector<double>{2.5, -1, 0}));
        QCOMPARE(data.tasks[0].features, (std::vector<double>{1, 0, -2, 0, 0, 3, 0, 0.25, 0, 0, 0, 0}));
        QCOMPARE(data.tasks[1].features, (std::vector<double>{0, 1, 0, 0}));
        QCOMPARE(data.tasks[2].targets, (std::vector<double>{100}));
    }

    void broken_task_folders_are_named_in_the_error_data() {
        QTest::addColumn<QStringList>("files");  // name, content, name, content, ...
        QTest::addColumn<QStringList>("fragments");
        QTest::newRow("bad number") << QStringList{"a.csv", "1,2\n3,4\n5,x7\n"} << QStringList{"a.csv:3", "feature 1", "'x7'"};
        QTest::newRow("bad target") << QStringList{"a.csv", "1,2\n?,4\n"} << QStringList{"a.csv:2", "target", "'?'"};
        QTest::newRow("short row") << QStringList{"a.csv", "y,f1,f2\n1,2,3\n4,5\n"}
                                   << QStringList{"a.csv:3", "expected 3 fields as line 1 has, found 2"};
        QTest::newRow("not finite") << QStringList{"a.csv", "1,2\n3,inf\n"} << QStringList{"a.csv:2", "finite"};
        QTest::newRow("target only") << QStringList{"a.csv", "1\n2\n"} << QStringList{"a.csv:1", "at least one feature"};
        QTest::newRow("csv widths differ") << QStringList{"a.csv", "1,2,3\n", "b.csv", "1,2\n"}
                                           << QStringList{"b.csv:1", "1 feature,", "a.csv has 2"};
        QTest::newRow("libsvm without colon") << QStringList{"t.svm", "1 1:2\n2 3\n"} << QStringList{"t.svm:2", "'index:value'", "'3'"};
        QTest::newRow("libsvm index 0") << QStringList{"t.svm", "1 0:2\n"} << QStringList{"t.svm:1", "feature index", "'0'"};
        QTest::newRow("libsvm bad value") << QStringList{"t.svm", "1 2:nan\n"} << QStringList{"t.svm:1", "value of feature 2"};
        QTest::newRow("libsvm repeated index") << QStringList{"t.svm", "1 2:1 2:3\n"} << QStringList{"t.svm:1", "feature 2 appears twice"};
        QTest::newRow("libsvm huge index") << QStringList{"t.svm", "1 2000000000:1\n"} << QStringList{"t.svm:1", "2000000000 features"};
        QTest::newRow("libsvm wider than csv") << QStringList{"a.csv", "1,2\n", "t.svm", "1\n0 3:1\n"}
                                               << QStringList{"t.svm:2", "feature index 3", "a.csv has only 1 feature"};
        QTest::newRow("empty task") << QStringList{"a.csv", "1,2\n", "b.csv", "y,x\n\n"} << QStringList{"b.csv", "no rows"};
        QTest::newRow("same task twice") << QStringList{"a.csv", "1,2\n", "a.svm", "1 1:2\n"}
                                         << QStringList{"a.csv and a.svm", "task 'a'"};
        QTest::newRow("empty folder") << QStringList{} << QStringList{"no task files"};
        QTest::newRow("only other files") << QStringList{"readme.md", "1,2\n", ".hidden.csv", "1,2\n"} << QStringList{"no task files"};
    }
    void broken_task_folders_are_named_in_the_error() {
        QFETCH(QStringList, files);
        QFETCH(QStringList, fragments);
        QTemporaryDir folder;
        QVERIFY(folder.isValid());
        const fs::path root = folder.path().toStdString();
        for (qsizetype i = 0; i + 1 < files.size(); i += 2) write_file(root / files[i].toStdString(), files[i + 1].toStdString());
        const QString message = data_error_of([&] { read_task_folder(root); });
        qInfo("%s", qPrintable(message));
        QVERIFY2(contains_all(message, fragments), qPrintable("message: " + message));
        QVERIFY2(message.contains(QString::fromStdString(root.string())), qPrintable(message));
    }

    void a_missing_task_folder_is_named() {
        const QString missing = data_error_of([] { read_task_folder("/nonexistent/trainbench/tasks"); });
        QVERIFY2(contains_all(missing, {"not found", "/nonexistent/trainbench/tasks"}), qPrintable(missing));
        const QString file = data_error_of([] { read_task_folder(fixture("good_v5.mat")); });
        QVERIFY2(contains_all(file, {"good_v5.mat", "not a folder"}), qPrintable(file));
    }

    void splits_give_each_task_its_fraction_data() {
        QTest::addColumn<double>("fraction");
        QTest::newRow("10%") << 0.1;
        QTest::newRow("20%") << 0.2;
        QTest::newRow("30%") << 0.3;
    }
    void splits_give_each_task_its_fraction() {
        QFETCH(double, fraction);
        const std::vector<std::int64_t> sizes{2, 3, 7, 10, 24, 51, 200};
        const MultiTaskData data = tasks_of_sizes(sizes);
        const MultiTaskSplit split = split_each_task(data, fraction, 7);
        QCOMPARE(split.train_fraction, fraction);
        QCOMPARE(split.seed, std::uint64_t{7});
        QCOMPARE(split.train.task_count(), data.task_count());
        QCOMPARE(split.test.task_count(), data.task_count());
        QCOMPARE(split.train.features, std::int64_t{2});
        QCOMPARE(split.test.name, data.name);
        for (std::size_t t = 0; t < sizes.size(); ++t) {
            const TaskData& train = split.train.tasks[t];
            const TaskData& test = split.test.tasks[t];
            QCOMPARE(train.name, data.tasks[t].name);
            QCOMPARE(test.name, data.tasks[t].name);
            const auto n = sizes[t];
            const std::int64_t expected = std::clamp<std::int64_t>(std::llround(fraction * static_cast<double>(n)), 1, n - 1);
            QCOMPARE(train.rows, expected);
            QCOMPARE(test.rows, n - expected);
            QVERIFY(train.rows >= 1 && test.rows >= 1);
            // Every row lands on exactly one side, with its features.
            std::set<double> seen;
            for (const TaskData* side : {&train, &test}) {
                QCOMPARE(static_cast<std::int64_t>(side->features.size()), side->rows * 2);
                for (std::int64_t r = 0; r < side->rows; ++r) {
                    const double row = side->targets[static_cast<std::size_t>(r)];
                    QCOMPARE(side->row(r, 2)[0], row);
                    QCOMPARE(side->row(r, 2)[1], -row);
                    QVERIFY(seen.insert(row).second);
                }
            }
            QCOMPARE(static_cast<std::int64_t>(seen.size()), n);
        }
        QCOMPARE(split.train.total_rows() + split.test.total_rows(), data.total_rows());
    }

    void splits_depend_on_the_seed_alone() {
        const MultiTaskData data = tasks_of_sizes({40, 60, 80});
        const auto train_targets = [&](std::uint64_t seed) {
            std::vector<std::vector<double>> targets;
            for (const TaskData& task : split_each_task(data, 0.3, seed).train.tasks) targets.push_back(task.targets);
            return targets;
        };
        QCOMPARE(train_targets(1), train_targets(1));
        QVERIFY(train_targets(1) != train_targets(2));
        QVERIFY(train_targets(2) != train_targets(3));
        // The exact rows, so that a change of the shuffle (which would change every recorded split) shows.
        // Obtained from a Python model of RandomStream (splitmix64, below() by rejection) running the same
        // Fisher-Yates shuffle of 0..9 with seed 1 and keeping the first round(0.3 x 10) = 3 positions.
        const MultiTaskSplit small = split_each_task(tasks_of_sizes({10}), 0.3, 1);
        QCOMPARE(small.train.tasks[0].targets, (std::vector<double>{2, 6, 9}));
        QCOMPARE(small.test.tasks[0].targets, (std::vector<double>{0, 1, 3, 4, 5, 7, 8}));
    }

    void splits_refuse_tasks_too_small_and_fractions_out_of_range() {
        MultiTaskData data = tasks_of_sizes({5, 1, 4});
        data.tasks[1].name = "tiny school";
        const QString one_row = message_of<std::invalid_argument>([&] { split_each_task(data, 0.5, 1); });
        QVERIFY2(contains_all(one_row, {"'tiny school'", "1 row", "at least two"}), qPrintable(one_row));
        const MultiTaskData fine = tasks_of_sizes({5, 5});
        for (const double fraction : {0.0, 1.0, -0.2, 1.5, std::nan("")}) {
            const QString message = message_of<std::invalid_argument>([&] { split_each_task(fine, fraction, 1); });
            QVERIFY2(message.contains("train_fraction"), qPrintable(QString::number(fraction) + ": " + message));
        }
    }

    // Without noise and with more rows than features, a least-squares fit per task recovers the planted
    // weights and bias to rounding error, whatever the structure.
    void synthetic_targets_follow_the_planted_weights_data() {
        QTest::addColumn<int>("structure");
        QTest::newRow("clusters") << static_cast<int>(PlantedStructure::clusters);
        QTest::newRow("low_rank") << static_cast<int>(PlantedStructure::low_rank);
        QTest::newRow("shared_features") << static_cast<int>(PlantedStructure::shared_features);
        QTest::newRow("related_tasks") << static_cast<int>(PlantedStructure::related_tasks);
    }
    void synthetic_targets_follow_the_planted_weights() {
        QFETCH(int, structure);
        SyntheticMultiTaskSpec spec;
        spec.structure = static_cast<PlantedStructure>(structure);
        spec.tasks = 6;
        spec.features = 8;
        spec.rows_per_task = 40;
        spec.noise = 0;
        spec.clusters = 2;
        spec.rank = 2;
        spec.shared_features = 3;
        const SyntheticMultiTask synthetic = generate_synthetic_multi_task(spec);
        QCOMPARE(synthetic.data.task_count(), std::int64_t{6});
        QCOMPARE(synthetic.data.features, std::int64_t{8});
        QCOMPARE(synthetic.data.total_rows(), std::int64_t{240});
        QCOMPARE(synthetic.data.source, std::string("generated"));
        QCOMPARE(synthetic.truth.weights.size(), std::size_t{48});
        QCOMPARE(synthetic.truth.biases.size(), std::size_t{6});
        double largest_error = 0;
        for (std::int64_t t = 0; t < 6; ++t) {
            const std::vector<double> fit = least_squares_with_intercept(synthetic.data.tasks[static_cast<std::size_t>(t)], 8);
            for (std::int64_t f = 0; f < 8; ++f) largest_error = std::max(largest_error, std::abs(fit[static_cast<std::size_t>(f)] - weight_column(synthetic, t)[f]));
            largest_error = std::max(largest_error, std::abs(fit[8] - synthetic.truth.biases[static_cast<std::size_t>(t)]));
        }
        qInfo("largest difference between the fit and the planted weights: %.3g", largest_error);
        QVERIFY2(largest_error < 1e-9, qPrintable(QString::number(largest_error)));
    }

    void synthetic_noise_has_the_asked_deviation() {
        SyntheticMultiTaskSpec spec;
        spec.rows_per_task = 500;
        spec.noise = 0.3;
        const SyntheticMultiTask synthetic = generate_synthetic_multi_task(spec);
        double squares = 0;
        for (std::int64_t t = 0; t < spec.tasks; ++t) {
            const TaskData& task = synthetic.data.tasks[static_cast<std::size_t>(t)];
            for (std::int64_t r = 0; r < task.rows; ++r) {
                const double* x = task.row(r, spec.features);
                const double residual = task.targets[static_cast<std::size_t>(r)] - synthetic.truth.biases[static_cast<std::size_t>(t)] -
                                        std::inner_product(x, x + spec.features, weight_column(synthetic, t), 0.0);
                squares += residual * residual;
            }
        }
        const double deviation = std::sqrt(squares / static_cast<double>(synthetic.data.total_rows()));
        QVERIFY2(std::abs(deviation - 0.3) < 0.01, qPrintable(QString::number(deviation)));  // 10,000 draws: +-0.002
    }

    // Defaults: 20 tasks in 3 clusters, 30 features. Tasks of a cluster lie about 0.1 from one another,
    // clusters 2 sqrt(2) apart.
    void synthetic_clusters_are_tight_and_far_apart() {
        const SyntheticMultiTask synthetic = generate_synthetic_multi_task(SyntheticMultiTaskSpec{});
        const std::vector<std::int64_t>& cluster = synthetic.truth.cluster_of_task;
        QCOMPARE(cluster.size(), std::size_t{20});
        QCOMPARE(std::set<std::int64_t>(cluster.begin(), cluster.end()), (std::set<std::int64_t>{0, 1, 2}));
        double widest_within = 0, narrowest_across = 1e300;
        for (std::int64_t s = 0; s < 20; ++s) {
            const double norm = distance(weight_column(synthetic, s), std::vector<double>(30, 0.0).data(), 30);
            QVERIFY2(norm > 1.5 && norm < 2.5, qPrintable(QString::number(norm)));
            for (std::int64_t t = s + 1; t < 20; ++t) {
                const double d = distance(weight_column(synthetic, s), weight_column(synthetic, t), 30);
                if (cluster[static_cast<std::size_t>(s)] == cluster[static_cast<std::size_t>(t)]) widest_within = std::max(widest_within, d);
                else narrowest_across = std::min(narrowest_across, d);
            }
        }
        qInfo("widest distance within a cluster %.3f, narrowest across %.3f", widest_within, narrowest_across);
        QVERIFY(widest_within < 0.3);
        QVERIFY(narrowest_across > 2.5);
        QCOMPARE(synthetic.truth.rank, std::int64_t{20});  // the task noise makes W full rank
    }

    // The singular values of W, as the square roots of the eigenvalues of W^T W: `rank` of them well
    // above zero, the rest zero to the precision a Gram matrix keeps (about sqrt(machine epsilon) = 1.5e-8
    // of the largest, since forming W^T W squares them).
    void synthetic_low_rank_has_exactly_the_planted_rank() {
        SyntheticMultiTaskSpec spec;
        spec.structure = PlantedStructure::low_rank;
        spec.tasks = 12;
        spec.features = 15;
        spec.rank = 3;
        const SyntheticMultiTask synthetic = generate_synthetic_multi_task(spec);
        QCOMPARE(synthetic.truth.rank, std::int64_t{3});
        std::vector<double> gram(12 * 12, 0.0);
        for (std::size_t s = 0; s < 12; ++s) {
            for (std::size_t t = 0; t < 12; ++t) {
                const double* left = weight_column(synthetic, static_cast<std::int64_t>(s));
                const double* right = weight_column(synthetic, static_cast<std::int64_t>(t));
                gram[s * 12 + t] = std::inner_product(left, left + 15, right, 0.0);
            }
        }
        const std::vector<double> eigenvalues = symmetric_eigenvalues(gram, 12);
        std::vector<double> singular_values;
        for (const double value : eigenvalues) singular_values.push_back(std::sqrt(std::max(value, 0.0)));
        qInfo("singular values of W: %.3g %.3g %.3g, then %.3g", singular_values[0], singular_values[1], singular_values[2], singular_values[3]);
        QVERIFY(singular_values[2] > 0.5);
        QVERIFY(singular_values[3] < 1e-6 * singular_values[0]);
    }

    void synthetic_shared_features_are_the_only_common_support() {
        SyntheticMultiTaskSpec spec;
        spec.structure = PlantedStructure::shared_features;
        spec.task_specific_features = 2;
        const SyntheticMultiTask synthetic = generate_synthetic_multi_task(spec);
        const std::vector<std::int64_t>& shared = synthetic.truth.shared_rows;
        QCOMPARE(shared.size(), std::size_t{5});
        QVERIFY(std::is_sorted(shared.begin(), shared.end()));
        const std::set<std::int64_t> shared_set(shared.begin(), shared.end());
        QCOMPARE(shared_set.size(), std::size_t{5});
        std::vector<int> tasks_using_row(30, 0);
        for (std::int64_t t = 0; t < spec.tasks; ++t) {
            int specific = 0;
            for (std::int64_t f = 0; f < 30; ++f) {
                const double w = weight_column(synthetic, t)[f];
                if (shared_set.count(f) != 0) {
                    QVERIFY2(std::abs(w) >= 0.5, qPrintable(QString::number(w)));
                } else if (w != 0) {
                    QVERIFY(std::abs(w) >= 0.5);
                    ++specific;
                    ++tasks_using_row[static_cast<std::size_t>(f)];
                }
            }
            QCOMPARE(specific, 2);
        }
        // No other row is used by every task, so the shared rows are recoverable as the common support.
        for (std::int64_t f = 0; f < 30; ++f) {
            if (shared_set.count(f) == 0) QVERIFY(tasks_using_row[static_cast<std::size_t>(f)] < spec.tasks);
        }
    }

    // With many features, the sample correlation of two columns of W estimates their planted
    // correlation: 0.9 within a group and -0.45 across, for 3 groups.
    void synthetic_related_tasks_correlate_by_group() {
        SyntheticMultiTaskSpec spec;
        spec.structure = PlantedStructure::related_tasks;
        spec.tasks = 9;
        spec.features = 2000;
        spec.rows_per_task = 1;
        const SyntheticMultiTask synthetic = generate_synthetic_multi_task(spec);
        const std::vector<std::int64_t>& group = synthetic.truth.cluster_of_task;
        QCOMPARE(std::set<std::int64_t>(group.begin(), group.end()), (std::set<std::int64_t>{0, 1, 2}));
        double lowest_within = 1, highest_across = -1;
        for (std::int64_t s = 0; s < 9; ++s) {
            for (std::int64_t t = s + 1; t < 9; ++t) {
                const double r = correlation(weight_column(synthetic, s), weight_column(synthetic, t), 2000);
                if (group[static_cast<std::size_t>(s)] == group[static_cast<std::size_t>(t)]) lowest_within = std::min(lowest_within, r);
                else highest_across = std::max(highest_across, r);
            }
        }
        qInfo("lowest correlation within a group %.3f, highest across %.3f", lowest_within, highest_across);
        QVERIFY(lowest_within > 0.8);
        QVERIFY(highest_across < -0.3);
    }

    void synthetic_data_depends_on_the_seed_alone() {
        SyntheticMultiTaskSpec spec;
        const SyntheticMultiTask first = generate_synthetic_multi_task(spec);
        const SyntheticMultiTask again = generate_synthetic_multi_task(spec);
        QCOMPARE(first.truth.weights, again.truth.weights);
        QCOMPARE(first.data.tasks[3].targets, again.data.tasks[3].targets);
        spec.seed = 2;
        QVERIFY(generate_synthetic_multi_task(spec).truth.weights != first.truth.weights);
    }

    void synthetic_specs_that_cannot_be_drawn_name_the_field_data() {
        QTest::addColumn<int>("structure");
        QTest::addColumn<QString>("field");
        QTest::addColumn<qint64>("value");
        const int clusters = static_cast<int>(PlantedStructure::clusters);
        QTest::newRow("no tasks") << clusters << "tasks" << qint64{0};
        QTest::newRow("no features") << clusters << "features" << qint64{0};
        QTest::newRow("no rows") << clusters << "rows_per_task" << qint64{0};
        QTest::newRow("negative noise") << clusters << "noise" << qint64{-1};
        QTest::newRow("more clusters than tasks") << clusters << "clusters" << qint64{21};
        QTest::newRow("negative spread") << clusters << "within_cluster_spread" << qint64{-1};
        QTest::newRow("no groups") << static_cast<int>(PlantedStructure::related_tasks) << "clusters" << qint64{0};
        QTest::newRow("rank above tasks") << static_cast<int>(PlantedStructure::low_rank) << "rank" << qint64{21};
        QTest::newRow("rank zero") << static_cast<int>(PlantedStructure::low_rank) << "rank" << qint64{0};
        QTest::newRow("more shared than features") << static_cast<int>(PlantedStructure::shared_features) << "shared_features" << qint64{31};
        QTest::newRow("too many specific") << static_cast<int>(PlantedStructure::shared_features) << "task_specific_features" << qint64{26};
    }
    void synthetic_specs_that_cannot_be_drawn_name_the_field() {
        QFETCH(int, structure);
        QFETCH(QString, field);
        QFETCH(qint64, value);
        SyntheticMultiTaskSpec spec;
        spec.structure = static_cast<PlantedStructure>(structure);
        if (field == "tasks") spec.tasks = value;
        if (field == "features") spec.features = value;
        if (field == "rows_per_task") spec.rows_per_task = value;
        if (field == "noise") spec.noise = static_cast<double>(value);
        if (field == "clusters") spec.clusters = value;
        if (field == "within_cluster_spread") spec.within_cluster_spread = static_cast<double>(value);
        if (field == "rank") spec.rank = value;
        if (field == "shared_features") spec.shared_features = value;
        if (field == "task_specific_features") spec.task_specific_features = value;
        const QString message = message_of<std::invalid_argument>([&] { generate_synthetic_multi_task(spec); });
        QVERIFY2(message.startsWith(field + " must"), qPrintable("message: " + message));
        // A field that only another structure reads does not stop this one.
        SyntheticMultiTaskSpec other;
        other.structure = spec.structure == PlantedStructure::low_rank ? PlantedStructure::clusters : PlantedStructure::low_rank;
        if (field == "rank") other.rank = value;
        if (field == "shared_features") other.shared_features = value;
        if (field == "task_specific_features") other.task_specific_features = value;
        if (field == "rank" || field == "shared_features" || field == "task_specific_features") {
            QCOMPARE(generate_synthetic_multi_task(other).data.task_count(), std::int64_t{20});
        }
    }
};

QTEST_GUILESS_MAIN(TestMultiTaskData)
#include "test_multi_task_data.moc"
