# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'filter_builder.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QApplication, QGroupBox, QHBoxLayout, QLabel,
    QPushButton, QSizePolicy, QSpacerItem, QVBoxLayout,
    QWidget)
class Ui_FilterBuilder(object):
    def setupUi(self, FilterBuilder):
        if not FilterBuilder.objectName():
            FilterBuilder.setObjectName(u"FilterBuilder")
        self.layout = QVBoxLayout(FilterBuilder)
        self.layout.setObjectName(u"layout")
        self.layout.setContentsMargins(-1, 4, -1, 4)
        self.rowsHost = QWidget(FilterBuilder)
        self.rowsHost.setObjectName(u"rowsHost")
        self.rowsLayout = QVBoxLayout(self.rowsHost)
        self.rowsLayout.setSpacing(2)
        self.rowsLayout.setObjectName(u"rowsLayout")
        self.rowsLayout.setContentsMargins(0, 0, 0, 0)

        self.layout.addWidget(self.rowsHost)

        self.buttons = QHBoxLayout()
        self.buttons.setObjectName(u"buttons")
        self.addRowButton = QPushButton(FilterBuilder)
        self.addRowButton.setObjectName(u"addRowButton")

        self.buttons.addWidget(self.addRowButton)

        self.clearButton = QPushButton(FilterBuilder)
        self.clearButton.setObjectName(u"clearButton")

        self.buttons.addWidget(self.clearButton)

        self.statusLabel = QLabel(FilterBuilder)
        self.statusLabel.setObjectName(u"statusLabel")

        self.buttons.addWidget(self.statusLabel)

        self.spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.buttons.addItem(self.spacer)

        self.applyButton = QPushButton(FilterBuilder)
        self.applyButton.setObjectName(u"applyButton")

        self.buttons.addWidget(self.applyButton)


        self.layout.addLayout(self.buttons)


        self.retranslateUi(FilterBuilder)

        QMetaObject.connectSlotsByName(FilterBuilder)
    # setupUi

    def retranslateUi(self, FilterBuilder):
        FilterBuilder.setTitle(QCoreApplication.translate("FilterBuilder", u"Filters (all must match)", None))
        self.addRowButton.setText(QCoreApplication.translate("FilterBuilder", u"Add condition", None))
        self.clearButton.setText(QCoreApplication.translate("FilterBuilder", u"Clear", None))
        self.applyButton.setText(QCoreApplication.translate("FilterBuilder", u"Apply filters", None))
#if QT_CONFIG(shortcut)
        self.applyButton.setShortcut(QCoreApplication.translate("FilterBuilder", u"Ctrl+Return", None))
#endif // QT_CONFIG(shortcut)
    # retranslateUi

