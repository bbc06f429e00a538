#pragma once
// The workbench's colour scheme: the system's (the default: whatever palette the desktop gives, followed
// as it changes), or light or dark whatever the desktop says. Light and dark are Fusion palettes set on
// the application; every widget gets a palette change, and the plots repaint in matching colours
// (plot_theme.h). Going back to the system's restores the palette the application started with.

#include <QObject>
#include <QPalette>

namespace tb::widgets {

enum class ThemeChoice { system, light, dark };

QPalette light_palette();
QPalette dark_palette();

class ThemeSwitcher final : public QObject {
    Q_OBJECT
public:
    explicit ThemeSwitcher(QObject* parent = nullptr);

    ThemeChoice choice() const { return choice_; }
    void set_choice(ThemeChoice choice);

signals:
    void choiceChanged(tb::widgets::ThemeChoice choice);

private:
    ThemeChoice choice_ = ThemeChoice::system;
    QPalette system_palette_;
};

}  // namespace tb::widgets
