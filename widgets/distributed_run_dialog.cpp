#include "widgets/distributed_run_dialog.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>

namespace tb::widgets {

std::optional<DistributedRunPlan> ask_distributed_run_plan(QWidget* parent, int devices, const DistributedRunPlan& last) {
    QDialog dialog(parent);
    dialog.setWindowTitle(QStringLiteral("Run distributed"));
    auto* layout = new QFormLayout(&dialog);
    auto* explanation = new QLabel(
        QStringLiteral("mpirun starts trainbench-cli on the hosts, one process per device unless a host trains several; "
                       "rank 0 records the run in this workbench's run store, and the dashboard follows it there. "
                       "Devices go to the hosts their Host field names, or to the ranks in order."),
        &dialog);
    explanation->setWordWrap(true);
    layout->addRow(explanation);
    auto* hosts = new QLineEdit(last.hosts, &dialog);
    hosts->setObjectName(QStringLiteral("distributedHosts"));
    hosts->setToolTip(QStringLiteral("mpirun's host list: localhost, or host:slots pairs such as node-a:2,node-b:2"));
    layout->addRow(QStringLiteral("Hosts"), hosts);
    auto* processes = new QSpinBox(&dialog);
    processes->setObjectName(QStringLiteral("distributedProcesses"));
    processes->setRange(1, 4096);
    processes->setValue(devices);
    processes->setToolTip(QStringLiteral("Ranks to start: at most one per device"));
    layout->addRow(QStringLiteral("Processes"), processes);
    auto* timeout = new QDoubleSpinBox(&dialog);
    timeout->setRange(1, 100000);
    timeout->setDecimals(0);
    timeout->setSuffix(QStringLiteral(" s"));
    timeout->setValue(last.rank_timeout_s);
    timeout->setToolTip(QStringLiteral("A rank that died or hangs fails the run after this long"));
    layout->addRow(QStringLiteral("Rank timeout"), timeout);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted) return std::nullopt;
    DistributedRunPlan plan = last;
    plan.hosts = hosts->text().trimmed().isEmpty() ? QStringLiteral("localhost") : hosts->text().trimmed();
    plan.processes = processes->value();
    plan.rank_timeout_s = timeout->value();
    return plan;
}

}  // namespace tb::widgets
