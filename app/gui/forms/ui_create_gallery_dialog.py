# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'create_gallery_dialog.ui'
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
from PySide6.QtWidgets import (QAbstractButton, QApplication, QCheckBox, QDialog,
    QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView,
    QLabel, QLineEdit, QPushButton, QSizePolicy,
    QSpacerItem, QTableWidget, QTableWidgetItem, QVBoxLayout,
    QWidget)
class Ui_CreateGalleryDialog(object):
    def setupUi(self, CreateGalleryDialog):
        if not CreateGalleryDialog.objectName():
            CreateGalleryDialog.setObjectName(u"CreateGalleryDialog")
        self.layout = QVBoxLayout(CreateGalleryDialog)
        self.layout.setObjectName(u"layout")
        self.form = QFormLayout()
        self.form.setObjectName(u"form")
        self.nameLabel = QLabel(CreateGalleryDialog)
        self.nameLabel.setObjectName(u"nameLabel")

        self.form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.nameLabel)

        self.nameEdit = QLineEdit(CreateGalleryDialog)
        self.nameEdit.setObjectName(u"nameEdit")

        self.form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.nameEdit)


        self.layout.addLayout(self.form)

        self.defaultSchemaCheck = QCheckBox(CreateGalleryDialog)
        self.defaultSchemaCheck.setObjectName(u"defaultSchemaCheck")
        self.defaultSchemaCheck.setChecked(True)

        self.layout.addWidget(self.defaultSchemaCheck)

        self.schemaTable = QTableWidget(CreateGalleryDialog)
        if (self.schemaTable.columnCount() < 3):
            self.schemaTable.setColumnCount(3)
        __qtablewidgetitem = QTableWidgetItem()
        self.schemaTable.setHorizontalHeaderItem(0, __qtablewidgetitem)
        __qtablewidgetitem1 = QTableWidgetItem()
        self.schemaTable.setHorizontalHeaderItem(1, __qtablewidgetitem1)
        __qtablewidgetitem2 = QTableWidgetItem()
        self.schemaTable.setHorizontalHeaderItem(2, __qtablewidgetitem2)
        self.schemaTable.setObjectName(u"schemaTable")
        self.schemaTable.setEnabled(False)
        self.schemaTable.setColumnCount(3)

        self.layout.addWidget(self.schemaTable)

        self.schemaButtons = QHBoxLayout()
        self.schemaButtons.setObjectName(u"schemaButtons")
        self.addFieldButton = QPushButton(CreateGalleryDialog)
        self.addFieldButton.setObjectName(u"addFieldButton")
        self.addFieldButton.setEnabled(False)

        self.schemaButtons.addWidget(self.addFieldButton)

        self.removeFieldButton = QPushButton(CreateGalleryDialog)
        self.removeFieldButton.setObjectName(u"removeFieldButton")
        self.removeFieldButton.setEnabled(False)

        self.schemaButtons.addWidget(self.removeFieldButton)

        self.spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.schemaButtons.addItem(self.spacer)


        self.layout.addLayout(self.schemaButtons)

        self.errorLabel = QLabel(CreateGalleryDialog)
        self.errorLabel.setObjectName(u"errorLabel")
        self.errorLabel.setWordWrap(True)

        self.layout.addWidget(self.errorLabel)

        self.buttonBox = QDialogButtonBox(CreateGalleryDialog)
        self.buttonBox.setObjectName(u"buttonBox")
        self.buttonBox.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.layout.addWidget(self.buttonBox)


        self.retranslateUi(CreateGalleryDialog)

        QMetaObject.connectSlotsByName(CreateGalleryDialog)
    # setupUi

    def retranslateUi(self, CreateGalleryDialog):
        CreateGalleryDialog.setWindowTitle(QCoreApplication.translate("CreateGalleryDialog", u"New gallery", None))
        self.nameLabel.setText(QCoreApplication.translate("CreateGalleryDialog", u"Name", None))
        self.nameEdit.setPlaceholderText(QCoreApplication.translate("CreateGalleryDialog", u"letters, digits, _ and -", None))
        self.defaultSchemaCheck.setText(QCoreApplication.translate("CreateGalleryDialog", u"Use the server's default meta schema", None))
        ___qtablewidgetitem = self.schemaTable.horizontalHeaderItem(0)
        ___qtablewidgetitem.setText(QCoreApplication.translate("CreateGalleryDialog", u"Field", None))
        ___qtablewidgetitem1 = self.schemaTable.horizontalHeaderItem(1)
        ___qtablewidgetitem1.setText(QCoreApplication.translate("CreateGalleryDialog", u"Type", None))
        ___qtablewidgetitem2 = self.schemaTable.horizontalHeaderItem(2)
        ___qtablewidgetitem2.setText(QCoreApplication.translate("CreateGalleryDialog", u"Default", None))
        self.addFieldButton.setText(QCoreApplication.translate("CreateGalleryDialog", u"Add field", None))
        self.removeFieldButton.setText(QCoreApplication.translate("CreateGalleryDialog", u"Remove field", None))
    # retranslateUi

