// (being written)
#include <QtTest>

class TestMultiTaskMethods : public QObject {
    Q_OBJECT
};

QTEST_GUILESS_MAIN(TestMultiTaskMethods)
#include "test_multi_task_methods.moc"
