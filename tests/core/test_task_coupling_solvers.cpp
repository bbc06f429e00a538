// (being written)
#include <QtTest>

class TestTaskCouplingSolvers : public QObject {
    Q_OBJECT
};

QTEST_GUILESS_MAIN(TestTaskCouplingSolvers)
#include "test_task_coupling_solvers.moc"
