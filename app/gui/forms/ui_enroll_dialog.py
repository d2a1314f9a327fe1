# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'enroll_dialog.ui'
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
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QFormLayout,
    QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QProgressBar, QPushButton, QSizePolicy,
    QSpacerItem, QVBoxLayout, QWidget)

from app.gui.widgets._meta_editor import MetaEditor
class Ui_EnrollDialog(object):
    def setupUi(self, EnrollDialog):
        if not EnrollDialog.objectName():
            EnrollDialog.setObjectName(u"EnrollDialog")
        EnrollDialog.resize(720, 500)
        EnrollDialog.setAcceptDrops(True)
        self.layout = QHBoxLayout(EnrollDialog)
        self.layout.setObjectName(u"layout")
        self.candidatesLayout = QVBoxLayout()
        self.candidatesLayout.setObjectName(u"candidatesLayout")
        self.candidatesTitle = QLabel(EnrollDialog)
        self.candidatesTitle.setObjectName(u"candidatesTitle")

        self.candidatesLayout.addWidget(self.candidatesTitle)

        self.candidateList = QListWidget(EnrollDialog)
        self.candidateList.setObjectName(u"candidateList")
        self.candidateList.setIconSize(QSize(56, 56))
        self.candidateList.setMinimumSize(QSize(220, 0))

        self.candidatesLayout.addWidget(self.candidateList)

        self.progressLabel = QLabel(EnrollDialog)
        self.progressLabel.setObjectName(u"progressLabel")

        self.candidatesLayout.addWidget(self.progressLabel)

        self.progressBar = QProgressBar(EnrollDialog)
        self.progressBar.setObjectName(u"progressBar")
        self.progressBar.setMaximum(0)
        self.progressBar.setTextVisible(False)

        self.candidatesLayout.addWidget(self.progressBar)


        self.layout.addLayout(self.candidatesLayout)

        self.formLayout = QVBoxLayout()
        self.formLayout.setObjectName(u"formLayout")
        self.cropImage = QLabel(EnrollDialog)
        self.cropImage.setObjectName(u"cropImage")
        self.cropImage.setMinimumSize(QSize(112, 112))
        self.cropImage.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.formLayout.addWidget(self.cropImage)

        self.qualityLabel = QLabel(EnrollDialog)
        self.qualityLabel.setObjectName(u"qualityLabel")
        self.qualityLabel.setWordWrap(True)

        self.formLayout.addWidget(self.qualityLabel)

        self.targetForm = QFormLayout()
        self.targetForm.setObjectName(u"targetForm")
        self.galleryLabel = QLabel(EnrollDialog)
        self.galleryLabel.setObjectName(u"galleryLabel")

        self.targetForm.setWidget(0, QFormLayout.ItemRole.LabelRole, self.galleryLabel)

        self.galleryCombo = QComboBox(EnrollDialog)
        self.galleryCombo.setObjectName(u"galleryCombo")

        self.targetForm.setWidget(0, QFormLayout.ItemRole.FieldRole, self.galleryCombo)

        self.faceIdLabel = QLabel(EnrollDialog)
        self.faceIdLabel.setObjectName(u"faceIdLabel")

        self.targetForm.setWidget(1, QFormLayout.ItemRole.LabelRole, self.faceIdLabel)

        self.faceIdRow = QHBoxLayout()
        self.faceIdRow.setObjectName(u"faceIdRow")
        self.faceIdEdit = QLineEdit(EnrollDialog)
        self.faceIdEdit.setObjectName(u"faceIdEdit")

        self.faceIdRow.addWidget(self.faceIdEdit)

        self.generateIdButton = QPushButton(EnrollDialog)
        self.generateIdButton.setObjectName(u"generateIdButton")

        self.faceIdRow.addWidget(self.generateIdButton)


        self.targetForm.setLayout(1, QFormLayout.ItemRole.FieldRole, self.faceIdRow)


        self.formLayout.addLayout(self.targetForm)

        self.metaEditor = MetaEditor(EnrollDialog)
        self.metaEditor.setObjectName(u"metaEditor")

        self.formLayout.addWidget(self.metaEditor)

        self.similarLabel = QLabel(EnrollDialog)
        self.similarLabel.setObjectName(u"similarLabel")
        self.similarLabel.setWordWrap(True)

        self.formLayout.addWidget(self.similarLabel)

        self.formSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.formLayout.addItem(self.formSpacer)

        self.buttons = QHBoxLayout()
        self.buttons.setObjectName(u"buttons")
        self.skipButton = QPushButton(EnrollDialog)
        self.skipButton.setObjectName(u"skipButton")

        self.buttons.addWidget(self.skipButton)

        self.buttonSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.buttons.addItem(self.buttonSpacer)

        self.closeButton = QPushButton(EnrollDialog)
        self.closeButton.setObjectName(u"closeButton")

        self.buttons.addWidget(self.closeButton)

        self.enrollButton = QPushButton(EnrollDialog)
        self.enrollButton.setObjectName(u"enrollButton")

        self.buttons.addWidget(self.enrollButton)


        self.formLayout.addLayout(self.buttons)


        self.layout.addLayout(self.formLayout)


        self.retranslateUi(EnrollDialog)

        self.enrollButton.setDefault(True)


        QMetaObject.connectSlotsByName(EnrollDialog)
    # setupUi

    def retranslateUi(self, EnrollDialog):
        EnrollDialog.setWindowTitle(QCoreApplication.translate("EnrollDialog", u"Enroll faces", None))
        self.candidatesTitle.setText(QCoreApplication.translate("EnrollDialog", u"<b>Faces to enroll</b> (drop photos here)", None))
        self.galleryLabel.setText(QCoreApplication.translate("EnrollDialog", u"Gallery", None))
        self.faceIdLabel.setText(QCoreApplication.translate("EnrollDialog", u"Face id", None))
        self.faceIdEdit.setPlaceholderText(QCoreApplication.translate("EnrollDialog", u"unsigned 64-bit", None))
        self.generateIdButton.setText(QCoreApplication.translate("EnrollDialog", u"Generate", None))
        self.skipButton.setText(QCoreApplication.translate("EnrollDialog", u"Skip", None))
        self.closeButton.setText(QCoreApplication.translate("EnrollDialog", u"Close", None))
        self.enrollButton.setText(QCoreApplication.translate("EnrollDialog", u"Enroll", None))
#if QT_CONFIG(shortcut)
        self.enrollButton.setShortcut(QCoreApplication.translate("EnrollDialog", u"Ctrl+Return", None))
#endif // QT_CONFIG(shortcut)
    # retranslateUi

