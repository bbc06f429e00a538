// (being written)
#include <QtTest>

class TestMultiTaskData : public QObject {
    Q_OBJECT
};

QTEST_GUILESS_MAIN(TestMultiTaskData)
#include "test_multi_task_data.moc"
