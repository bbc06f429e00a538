// (being written)
#include <QtTest>

class TestMultiTaskSolvers : public QObject {
    Q_OBJECT
};

QTEST_GUILESS_MAIN(TestMultiTaskSolvers)
#include "test_multi_task_solvers.moc"
