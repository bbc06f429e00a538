#include "widgets/error_banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

namespace tb::widgets {

ErrorBanner::ErrorBanner(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("errorBanner"));
    setAttribute(Qt::WA_StyledBackground, true);
    setStyleSheet(QStringLiteral("#errorBanner { background: #fde7e9; border: 1px solid #b00020; border-radius: 3px; }"
                                 "QLabel { color: #7a0016; }"));
    label_ = new QLabel(this);
    label_->setWordWrap(true);
    label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close = new QToolButton(this);
    close->setText(QStringLiteral("✕"));
    close->setAutoRaise(true);
    close->setToolTip(QStringLiteral("Dismiss"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    layout->addWidget(label_, 1);
    layout->addWidget(close, 0, Qt::AlignTop);
    connect(close, &QToolButton::clicked, this, &ErrorBanner::dismiss);
    hide();
}

void ErrorBanner::show_error(const QString& headline, const QString& detail) {
    label_->setText(QStringLiteral("<b>%1</b><br>%2").arg(headline.toHtmlEscaped(), detail.toHtmlEscaped()));
    show();
}

void ErrorBanner::dismiss() {
    label_->clear();
    hide();
}

QString ErrorBanner::text() const { return label_->text(); }

}  // namespace tb::widgets
