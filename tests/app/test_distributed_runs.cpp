// Distributed runs through the real programs: trainbench-cli run --distributed started by mpirun on this
// machine (--oversubscribe), against the same config in one process.
//   - sync_sgd on 4 ranks ends with the model of the threaded wall-clock run to 1e-6 relative (same seed,
//     same batches; the sums meet in another order, so not to the bit);
//   - DSGD, QG-DSGDm and gradient tracking on 4 ranks (gossip between the ranks that own neighbours) end
//     with the model of the one-process run to the bit: their rounds are synchronous and each row's
//     gossip sum has one order;
//   - Adaptive SGD, model averaging, CROSSBOW and EASGD on 4 ranks train to the accuracy of the
//     one-process run (their steps follow real timing, so the two runs differ in detail);
//   - a rank started with another config is refused at start-up, naming the rank; a method that does not
//     run distributed is refused with the list of those that do;
//   - kill -9 of one rank mid-run, and a rank that hangs (SIGSTOP): the run ends failed within the rank
//     timeout, naming the rank and its device, the store keeps every row flushed before, and no process
//     of the run is left.

#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/run_details.h"
#include "storage/run_listing.h"
#include "storage/run_store.h"

namespace {

using nlohmann::json;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

json base_config(const json& method, int epochs) {
    json devices = json::array();
    for (int i = 0; i < 4; ++i) devices.push_back({{"name", "w" + std::to_string(i)}});
    return {{"name", "distributed-test"},
            {"method", method},
            {"dataset", {{"kind", "synthetic_xmlc"}, {"shape", "small"}, {"seed", 1}}},
            {"model", {{"kind", "sparse_mlp"}, {"hidden", {64}}, {"loss", "softmax"}}},
            {"optimizer", {{"kind", "sgd"}, {"lr", 0.5}, {"momentum", 0.9}}},
            {"fleet", {{"clock", "wall"}, {"devices", devices}}},
            {"stop", {{"max_time_s", 600}, {"max_epochs", epochs}}},
            {"eval", {{"every_s", 1000}, {"metrics", {"p@1", "loss"}}}},
            {"seed", 7}};
}

struct Finished {
    int status = -1;
    std::string out;
};

// Open MPI's shared-memory transport copies between processes with process_vm_readv, which containers
// often forbid (ptrace rules); a plain copy through the shared segment works everywhere.
QProcessEnvironment mpi_environment() {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
    return environment;
}

Finished run_program(const QString& program, const QStringList& arguments, int timeout_ms) {
    QProcess process;
    process.setProcessEnvironment(mpi_environment());
    process.start(program, arguments);
    if (!process.waitForStarted(10000)) return {-1, "could not start " + program.toStdString()};
    if (!process.waitForFinished(timeout_ms)) {
        process.kill();
        process.waitForFinished(5000);
        return {-1, "did not finish within " + std::to_string(timeout_ms / 1000) + " s"};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput().toStdString() + process.readAllStandardError().toStdString()};
}

// mpirun's own options: on this one machine, as root where the tests run as root.
QStringList mpirun_options(int ranks) {
    QStringList options{"--oversubscribe", "-np", QString::number(ranks)};
    if (geteuid() == 0) options.prepend("--allow-run-as-root");
    return options;
}

std::vector<float> read_model(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::vector<float> values(std::filesystem::exists(path) ? std::filesystem::file_size(path) / sizeof(float) : 0);
    file.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
    return values;
}

json read_json(const std::string& path) {
    std::ifstream file(path);
    return json::parse(file);
}

// The processes whose command line mentions `marker` (the test's own temporary folder).
std::vector<int> processes_mentioning(const std::string& marker) {
    std::vector<int> found;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream cmdline(entry.path() / "cmdline", std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
        if (contains(text, marker) && contains(text, "trainbench-cli")) found.push_back(std::stoi(name));
    }
    return found;
}

tb::storage::RunStoreOptions read_only() {
    tb::storage::RunStoreOptions options;
    options.access = tb::storage::ConnectionAccess::read_only;
    return options;
}

// The rank of a trainbench-cli process mpirun started (its OMPI_COMM_WORLD_RANK), or -1.
int rank_of(int pid) {
    std::ifstream environ_file("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    std::string variable;
    while (std::getline(environ_file, variable, '\0')) {
        if (variable.rfind("OMPI_COMM_WORLD_RANK=", 0) == 0) return std::stoi(variable.substr(21));
    }
    return -1;
}

}  // namespace

class TestDistributedRuns : public QObject {
    Q_OBJECT

private:
    QTemporaryDir folder_;

    std::string path(const std::string& name) const { return folder_.filePath(QString::fromStdString(name)).toStdString(); }

    std::string write_config(const std::string& name, const json& config) const {
        const std::string file = path(name);
        std::ofstream(file) << config.dump(2);
        return file;
    }

    Finished run_alone(const std::string& config, const QStringList& extra) const {
        QStringList arguments{"run", QString::fromStdString(config), "--no-store", "--quiet"};
        return run_program(QString::fromUtf8(TRAINBENCH_CLI), arguments + extra, 120000);
    }

    Finished run_distributed(int ranks, const std::string& config, const QStringList& extra, int timeout_ms = 180000) const {
        QStringList arguments = mpirun_options(ranks);
        arguments << QString::fromUtf8(TRAINBENCH_CLI) << "run" << QString::fromStdString(config) << "--distributed"
                  << "--quiet";
        return run_program(QString::fromUtf8(MPIRUN), arguments + extra, timeout_ms);
    }

    // Starts a long distributed run recorded in `database`, waits until the leader stored evaluations,
    // does `harm` to rank 2, and returns what the store and the processes show afterwards.
    struct Aftermath {
        std::string error;
        std::string status;
        std::int64_t evaluations_stored = 0;
        double seconds_to_end = 0;
        std::vector<int> left_over;
    };
    Aftermath harm_rank_two(const std::string& label, int signal) {
        json config = base_config({{"kind", "sync_sgd"}, {"batch_size", 256}}, 100000);
        config["eval"]["every_s"] = 0.3;
        const std::string marker = "harm-" + label;
        const std::string config_file = write_config(marker + ".json", config);
        const std::string database = path(marker + ".sqlite");
        QStringList arguments = mpirun_options(4);
        arguments << QString::fromUtf8(TRAINBENCH_CLI) << "run" << QString::fromStdString(config_file) << "--distributed"
                  << "--quiet" << "--db" << QString::fromStdString(database) << "--rank-timeout-s" << "4";
        QProcess mpirun;
        mpirun.setProcessEnvironment(mpi_environment());
        mpirun.start(QString::fromUtf8(MPIRUN), arguments);
        Aftermath aftermath;
        if (!mpirun.waitForStarted(10000)) {
            aftermath.error = "mpirun did not start";
            return aftermath;
        }
        // Until the run has stored a few evaluations: then there is something to keep.
        QElapsedTimer waited;
        waited.start();
        std::int64_t stored = 0;
        while (waited.elapsed() < 60000 && stored < 3) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            if (!std::filesystem::exists(database)) continue;
            try {
                tb::storage::RunStore store(database, read_only());
                const auto runs = tb::storage::list_runs(store);
                if (!runs.empty()) stored = tb::storage::load_run(store, runs.front().id).evaluations;
            } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the writer may hold it a moment
            }
        }
        int victim = -1;
        for (const int pid : processes_mentioning(marker)) {
            if (rank_of(pid) == 2) victim = pid;
        }
        if (victim < 0) {
            mpirun.kill();
            mpirun.waitForFinished(10000);
            aftermath.error = "rank 2 was not found among the run's processes";
            return aftermath;
        }
        QElapsedTimer since_harm;
        since_harm.start();
        kill(victim, signal);
        mpirun.waitForFinished(60000);
        aftermath.seconds_to_end = static_cast<double>(since_harm.elapsed()) / 1000.0;
        // mpirun is gone; give the kernel a moment to reap what it killed.
        for (int tries = 0; tries < 50 && !processes_mentioning(marker).empty(); ++tries) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        aftermath.left_over = processes_mentioning(marker);
        for (const int pid : aftermath.left_over) kill(pid, SIGKILL);

        tb::storage::RunStore store(database, read_only());
        const auto runs = tb::storage::list_runs(store);
        if (runs.size() != 1) {
            aftermath.error = std::to_string(runs.size()) + " runs stored";
            return aftermath;
        }
        const tb::storage::RunDetails details = tb::storage::load_run(store, runs.front().id);
        aftermath.status = details.record.status;
        aftermath.error = details.record.error;
        aftermath.evaluations_stored = details.evaluations;
        return aftermath;
    }

private slots:
    void initTestCase() { QVERIFY(folder_.isValid()); }

    void sync_sgd_on_four_ranks_ends_with_the_threaded_runs_model() {
        const std::string config = write_config("sync.json", base_config({{"kind", "sync_sgd"}, {"batch_size", 256}}, 2));
        const Finished alone = run_alone(config, {"--save-model", QString::fromStdString(path("sync-alone.bin"))});
        QVERIFY2(alone.status == 0, alone.out.c_str());
        const Finished spread = run_distributed(4, config, {"--save-model", QString::fromStdString(path("sync-ranks.bin")),
                                                            "--summary-json", QString::fromStdString(path("sync-ranks.json"))});
        QVERIFY2(spread.status == 0, spread.out.c_str());
        // Rank 0's summary has every rank's devices' peak memory, pooled at the device samples.
        const json peaks = read_json(path("sync-ranks.json"))["peak_memory_bytes"];
        for (const char* device : {"w0", "w1", "w2", "w3"}) QVERIFY2(peaks.contains(device), peaks.dump().c_str());
        const std::vector<float> expected = read_model(path("sync-alone.bin"));
        const std::vector<float> actual = read_model(path("sync-ranks.bin"));
        QVERIFY(!expected.empty());
        QCOMPARE(actual.size(), expected.size());
        double largest = 0;
        double largest_difference = 0;
        for (std::size_t k = 0; k < expected.size(); ++k) {
            largest = std::max(largest, std::fabs(static_cast<double>(expected[k])));
            largest_difference = std::max(largest_difference, std::fabs(static_cast<double>(actual[k]) - expected[k]));
        }
        qInfo("sync_sgd on 4 ranks: largest parameter difference %.3g, relative to the largest parameter %.3g",
              largest_difference, largest_difference / largest);
        QVERIFY(largest > 0.1);  // the model trained: a model of zeros would match anything
        QVERIFY2(largest_difference <= 1e-6 * largest, std::to_string(largest_difference / largest).c_str());
    }

    void decentralized_methods_on_four_ranks_end_with_the_one_process_model_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<double>("momentum");
        QTest::newRow("dsgd") << QStringLiteral("dsgd") << 0.0;
        QTest::newRow("qg_dsgdm") << QStringLiteral("qg_dsgdm") << 0.9;
        QTest::newRow("gradient_tracking") << QStringLiteral("gradient_tracking") << 0.0;
    }

    void decentralized_methods_on_four_ranks_end_with_the_one_process_model() {
        QFETCH(QString, kind);
        QFETCH(double, momentum);
        json config = base_config({{"kind", kind.toStdString()},
                                   {"batch_size", 32},
                                   {"topology", {{"kind", "ring"}, {"weights", "uniform_ring"}}},
                                   {"evaluate_workers", true}},
                                  2);
        config["dataset"] = {{"kind", "synthetic_xmlc"},
                             {"shape", "small"},
                             {"train_samples", 4000},
                             {"test_samples", 500},
                             {"partition", {{"kind", "dirichlet"}, {"alpha", 0.5}, {"seed", 2}}}};
        config["optimizer"] = {{"kind", "sgd"}, {"lr", 1.0}, {"momentum", momentum}, {"nesterov", momentum > 0}};
        const std::string file = write_config("qg.json", config);
        const Finished alone = run_alone(file, {"--save-model", QString::fromStdString(path("qg-alone.bin")), "--summary-json",
                                                QString::fromStdString(path("qg-alone.json"))});
        QVERIFY2(alone.status == 0, alone.out.c_str());
        const Finished spread = run_distributed(4, file, {"--save-model", QString::fromStdString(path("qg-ranks.bin")),
                                                          "--summary-json", QString::fromStdString(path("qg-ranks.json"))});
        QVERIFY2(spread.status == 0, spread.out.c_str());
        const std::vector<float> expected = read_model(path("qg-alone.bin"));
        QVERIFY(!expected.empty());
        QVERIFY(read_model(path("qg-ranks.bin")) == expected);
        // The per-worker metrics and the consensus distance are sums across the ranks.
        const json alone_metrics = read_json(path("qg-alone.json"))["metrics"];
        const json ranks_metrics = read_json(path("qg-ranks.json"))["metrics"];
        for (const char* key : {"p@1", "worker0.p@1", "worker3.p@1", "worker_mean.p@1"}) {
            QCOMPARE(ranks_metrics.at(key).get<double>(), alone_metrics.at(key).get<double>());
        }
        QVERIFY(alone_metrics.at("consensus_distance").get<double>() > 0);
        QVERIFY(std::fabs(ranks_metrics.at("consensus_distance").get<double>() - alone_metrics.at("consensus_distance").get<double>()) <=
                1e-9 * alone_metrics.at("consensus_distance").get<double>());
    }

    void averaging_methods_on_four_ranks_train_to_the_one_process_accuracy_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("optimizer");
        // Adaptive SGD with the settings its tuning sweep chose for this data set
        // (tests/core/fleet_settings/tuned_synthetic.json): untuned, its final P@1 moved between 0.33 and
        // 0.56 from one run to the next in one process alone.
        QTest::newRow("adaptive_sgd") << QStringLiteral(R"({"kind": "adaptive_sgd", "batch_min": 32, "batch_max": 512,
                                                           "batch_step": 16, "batch_after_warmup": 128, "warmup_epochs": 1,
                                                           "mega_batch": 4096, "merge_momentum": 0.5})")
                                      << QStringLiteral(R"({"kind": "sgd", "lr": 16.0, "momentum": 0.0})");
        const QString sgd = QStringLiteral(R"({"kind": "sgd", "lr": 0.5, "momentum": 0.9})");
        QTest::newRow("model_averaging") << QStringLiteral(R"({"kind": "model_averaging", "batch_size": 128, "mega_batch": 4096})")
                                         << sgd;
        QTest::newRow("crossbow_sma") << QStringLiteral(R"({"kind": "crossbow_sma", "batch_size": 128})") << sgd;
        QTest::newRow("easgd") << QStringLiteral(R"({"kind": "easgd", "batch_size": 128})") << sgd;
    }

    // Their steps go to the devices as they finish, so the runs differ in detail; what must hold is that
    // spreading the fleet over processes costs no accuracy.
    void averaging_methods_on_four_ranks_train_to_the_one_process_accuracy() {
        QFETCH(QString, method);
        QFETCH(QString, optimizer);
        json config = base_config(json::parse(method.toStdString()), 8);
        config["model"]["hidden"] = {128};
        config["optimizer"] = json::parse(optimizer.toStdString());
        const std::string file = write_config("adaptive.json", config);
        const Finished alone = run_alone(file, {"--summary-json", QString::fromStdString(path("adaptive-alone.json"))});
        QVERIFY2(alone.status == 0, alone.out.c_str());
        const Finished spread = run_distributed(4, file, {"--summary-json", QString::fromStdString(path("adaptive-ranks.json"))});
        QVERIFY2(spread.status == 0, spread.out.c_str());
        const double alone_p1 = read_json(path("adaptive-alone.json"))["metrics"]["p@1"].get<double>();
        const double ranks_p1 = read_json(path("adaptive-ranks.json"))["metrics"]["p@1"].get<double>();
        qInfo("%s P@1 after 8 epochs: %.4f in one process, %.4f on 4 ranks", QTest::currentDataTag(), alone_p1, ranks_p1);
        // A model that learned nothing scores about 0.004 on 500 labels. In one process alone the tuned
        // Adaptive SGD ended between 0.668 and 0.728 over three runs: the two may differ by that much.
        QVERIFY2(alone_p1 >= 0.3, std::to_string(alone_p1).c_str());
        QVERIFY2(std::fabs(ranks_p1 - alone_p1) <= 0.07, (std::to_string(ranks_p1) + " against " + std::to_string(alone_p1)).c_str());
    }

    void a_rank_with_another_config_is_refused_at_start() {
        const std::string file = write_config("mismatch.json", base_config({{"kind", "sync_sgd"}, {"batch_size", 256}}, 1));
        // Two programs in one job (mpirun's MPMD form): rank 1 gets another seed.
        QStringList arguments = mpirun_options(1);
        arguments << QString::fromUtf8(TRAINBENCH_CLI) << "run" << QString::fromStdString(file) << "--distributed" << "--no-store"
                  << ":" << "-np" << "1" << QString::fromUtf8(TRAINBENCH_CLI) << "run" << QString::fromStdString(file)
                  << "--distributed" << "--no-store" << "--set" << "seed=8";
        const Finished finished = run_program(QString::fromUtf8(MPIRUN), arguments, 60000);
        QVERIFY2(finished.status != 0, finished.out.c_str());
        QVERIFY2(contains(finished.out, "rank 1 on") && contains(finished.out, "read a different config than rank 0"),
                 finished.out.c_str());
    }

    void a_method_that_does_not_run_distributed_is_refused() {
        const std::string file = write_config("single.json", base_config({{"kind", "single_device"}}, 1));
        const Finished finished = run_distributed(2, file, {"--no-store"}, 60000);
        QVERIFY2(finished.status != 0, finished.out.c_str());
        QVERIFY2(contains(finished.out, "method.kind single_device does not run across processes yet") &&
                     contains(finished.out, "sync_sgd"),
                 finished.out.c_str());
    }

    void a_killed_rank_ends_the_run_failed_and_leaves_no_process() {
        const Aftermath aftermath = harm_rank_two("kill", SIGKILL);
        qInfo("after kill -9 of rank 2: ended in %.1f s, %lld evaluation rows kept, error: %s", aftermath.seconds_to_end,
              static_cast<long long>(aftermath.evaluations_stored), aftermath.error.c_str());
        QCOMPARE(aftermath.status, std::string("failed"));
        QVERIFY2(contains(aftermath.error, "rank 2 on") && contains(aftermath.error, "(devices w2)"), aftermath.error.c_str());
        QVERIFY(aftermath.evaluations_stored >= 3);
        QVERIFY2(aftermath.seconds_to_end < 4 + 10, std::to_string(aftermath.seconds_to_end).c_str());
        QVERIFY(aftermath.left_over.empty());
    }

    void a_hung_rank_ends_the_run_failed_within_the_timeout() {
        const Aftermath aftermath = harm_rank_two("hang", SIGSTOP);
        qInfo("after SIGSTOP of rank 2: ended in %.1f s, %lld evaluation rows kept, error: %s", aftermath.seconds_to_end,
              static_cast<long long>(aftermath.evaluations_stored), aftermath.error.c_str());
        QCOMPARE(aftermath.status, std::string("failed"));
        QVERIFY2(contains(aftermath.error, "rank 2 on") && contains(aftermath.error, "has been silent"), aftermath.error.c_str());
        QVERIFY(aftermath.evaluations_stored >= 3);
        QVERIFY2(aftermath.seconds_to_end < 4 + 10, std::to_string(aftermath.seconds_to_end).c_str());
        QVERIFY(aftermath.left_over.empty());
    }
};

QTEST_GUILESS_MAIN(TestDistributedRuns)
#include "test_distributed_runs.moc"
