# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'filter_row.ui'
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
from PySide6.QtWidgets import (QApplication, QComboBox, QHBoxLayout, QLineEdit,
    QSizePolicy, QToolButton, QWidget)
class Ui_FilterRow(object):
    def setupUi(self, FilterRow):
        if not FilterRow.objectName():
            FilterRow.setObjectName(u"FilterRow")
        self.layout = QHBoxLayout(FilterRow)
        self.layout.setObjectName(u"layout")
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.fieldCombo = QComboBox(FilterRow)
        self.fieldCombo.setObjectName(u"fieldCombo")
        self.fieldCombo.setMinimumContentsLength(10)

        self.layout.addWidget(self.fieldCombo)

        self.opCombo = QComboBox(FilterRow)
        self.opCombo.setObjectName(u"opCombo")
        self.opCombo.setMinimumContentsLength(10)

        self.layout.addWidget(self.opCombo)

        self.valueEdit = QLineEdit(FilterRow)
        self.valueEdit.setObjectName(u"valueEdit")

        self.layout.addWidget(self.valueEdit)

        self.removeButton = QToolButton(FilterRow)
        self.removeButton.setObjectName(u"removeButton")

        self.layout.addWidget(self.removeButton)


        self.retranslateUi(FilterRow)

        QMetaObject.connectSlotsByName(FilterRow)
    # setupUi

    def retranslateUi(self, FilterRow):
        self.valueEdit.setPlaceholderText(QCoreApplication.translate("FilterRow", u"value", None))
        self.removeButton.setText(QCoreApplication.translate("FilterRow", u"\u2715", None))
#if QT_CONFIG(tooltip)
        self.removeButton.setToolTip(QCoreApplication.translate("FilterRow", u"Remove this condition", None))
#endif // QT_CONFIG(tooltip)
        pass
    # retranslateUi

