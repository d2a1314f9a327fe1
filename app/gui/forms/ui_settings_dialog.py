# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'settings_dialog.ui'
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
from PySide6.QtWidgets import (QAbstractButton, QApplication, QCheckBox, QComboBox,
    QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
    QGroupBox, QLabel, QLineEdit, QRadioButton,
    QSizePolicy, QVBoxLayout, QWidget)
class Ui_SettingsDialog(object):
    def setupUi(self, SettingsDialog):
        if not SettingsDialog.objectName():
            SettingsDialog.setObjectName(u"SettingsDialog")
        self.layout = QVBoxLayout(SettingsDialog)
        self.layout.setObjectName(u"layout")
        self.serverGroup = QGroupBox(SettingsDialog)
        self.serverGroup.setObjectName(u"serverGroup")
        self.serverForm = QFormLayout(self.serverGroup)
        self.serverForm.setObjectName(u"serverForm")
        self.embeddedRadio = QRadioButton(self.serverGroup)
        self.embeddedRadio.setObjectName(u"embeddedRadio")
        self.embeddedRadio.setChecked(True)

        self.serverForm.setWidget(0, QFormLayout.ItemRole.SpanningRole, self.embeddedRadio)

        self.remoteRadio = QRadioButton(self.serverGroup)
        self.remoteRadio.setObjectName(u"remoteRadio")

        self.serverForm.setWidget(1, QFormLayout.ItemRole.SpanningRole, self.remoteRadio)

        self.urlLabel = QLabel(self.serverGroup)
        self.urlLabel.setObjectName(u"urlLabel")

        self.serverForm.setWidget(2, QFormLayout.ItemRole.LabelRole, self.urlLabel)

        self.urlEdit = QLineEdit(self.serverGroup)
        self.urlEdit.setObjectName(u"urlEdit")

        self.serverForm.setWidget(2, QFormLayout.ItemRole.FieldRole, self.urlEdit)

        self.tokenLabel = QLabel(self.serverGroup)
        self.tokenLabel.setObjectName(u"tokenLabel")

        self.serverForm.setWidget(3, QFormLayout.ItemRole.LabelRole, self.tokenLabel)

        self.tokenEdit = QLineEdit(self.serverGroup)
        self.tokenEdit.setObjectName(u"tokenEdit")
        self.tokenEdit.setEchoMode(QLineEdit.EchoMode.Password)

        self.serverForm.setWidget(3, QFormLayout.ItemRole.FieldRole, self.tokenEdit)

        self.timeoutLabel = QLabel(self.serverGroup)
        self.timeoutLabel.setObjectName(u"timeoutLabel")

        self.serverForm.setWidget(4, QFormLayout.ItemRole.LabelRole, self.timeoutLabel)

        self.timeoutSpin = QDoubleSpinBox(self.serverGroup)
        self.timeoutSpin.setObjectName(u"timeoutSpin")
        self.timeoutSpin.setMinimum(1.000000000000000)
        self.timeoutSpin.setMaximum(600.000000000000000)

        self.serverForm.setWidget(4, QFormLayout.ItemRole.FieldRole, self.timeoutSpin)

        self.detectTimeoutLabel = QLabel(self.serverGroup)
        self.detectTimeoutLabel.setObjectName(u"detectTimeoutLabel")

        self.serverForm.setWidget(5, QFormLayout.ItemRole.LabelRole, self.detectTimeoutLabel)

        self.detectTimeoutSpin = QDoubleSpinBox(self.serverGroup)
        self.detectTimeoutSpin.setObjectName(u"detectTimeoutSpin")
        self.detectTimeoutSpin.setMinimum(1.000000000000000)
        self.detectTimeoutSpin.setMaximum(600.000000000000000)

        self.serverForm.setWidget(5, QFormLayout.ItemRole.FieldRole, self.detectTimeoutSpin)


        self.layout.addWidget(self.serverGroup)

        self.cameraGroup = QGroupBox(SettingsDialog)
        self.cameraGroup.setObjectName(u"cameraGroup")
        self.cameraForm = QFormLayout(self.cameraGroup)
        self.cameraForm.setObjectName(u"cameraForm")
        self.cameraLabel = QLabel(self.cameraGroup)
        self.cameraLabel.setObjectName(u"cameraLabel")

        self.cameraForm.setWidget(0, QFormLayout.ItemRole.LabelRole, self.cameraLabel)

        self.cameraCombo = QComboBox(self.cameraGroup)
        self.cameraCombo.setObjectName(u"cameraCombo")

        self.cameraForm.setWidget(0, QFormLayout.ItemRole.FieldRole, self.cameraCombo)

        self.rateLabel = QLabel(self.cameraGroup)
        self.rateLabel.setObjectName(u"rateLabel")

        self.cameraForm.setWidget(1, QFormLayout.ItemRole.LabelRole, self.rateLabel)

        self.rateSpin = QDoubleSpinBox(self.cameraGroup)
        self.rateSpin.setObjectName(u"rateSpin")
        self.rateSpin.setDecimals(1)
        self.rateSpin.setMinimum(0.000000000000000)
        self.rateSpin.setMaximum(30.000000000000000)
        self.rateSpin.setSingleStep(0.500000000000000)

        self.cameraForm.setWidget(1, QFormLayout.ItemRole.FieldRole, self.rateSpin)

        self.attributesCheck = QCheckBox(self.cameraGroup)
        self.attributesCheck.setObjectName(u"attributesCheck")

        self.cameraForm.setWidget(2, QFormLayout.ItemRole.SpanningRole, self.attributesCheck)


        self.layout.addWidget(self.cameraGroup)

        self.thresholdGroup = QGroupBox(SettingsDialog)
        self.thresholdGroup.setObjectName(u"thresholdGroup")
        self.thresholdForm = QFormLayout(self.thresholdGroup)
        self.thresholdForm.setObjectName(u"thresholdForm")
        self.confidenceLabel = QLabel(self.thresholdGroup)
        self.confidenceLabel.setObjectName(u"confidenceLabel")

        self.thresholdForm.setWidget(0, QFormLayout.ItemRole.LabelRole, self.confidenceLabel)

        self.confidenceSpin = QDoubleSpinBox(self.thresholdGroup)
        self.confidenceSpin.setObjectName(u"confidenceSpin")
        self.confidenceSpin.setDecimals(2)
        self.confidenceSpin.setMinimum(0.010000000000000)
        self.confidenceSpin.setMaximum(0.990000000000000)
        self.confidenceSpin.setSingleStep(0.010000000000000)

        self.thresholdForm.setWidget(0, QFormLayout.ItemRole.FieldRole, self.confidenceSpin)

        self.strictnessLabel = QLabel(self.thresholdGroup)
        self.strictnessLabel.setObjectName(u"strictnessLabel")

        self.thresholdForm.setWidget(1, QFormLayout.ItemRole.FieldRole, self.strictnessLabel)


        self.layout.addWidget(self.thresholdGroup)

        self.restartNote = QLabel(SettingsDialog)
        self.restartNote.setObjectName(u"restartNote")
        self.restartNote.setWordWrap(True)

        self.layout.addWidget(self.restartNote)

        self.buttonBox = QDialogButtonBox(SettingsDialog)
        self.buttonBox.setObjectName(u"buttonBox")
        self.buttonBox.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.layout.addWidget(self.buttonBox)


        self.retranslateUi(SettingsDialog)

        QMetaObject.connectSlotsByName(SettingsDialog)
    # setupUi

    def retranslateUi(self, SettingsDialog):
        SettingsDialog.setWindowTitle(QCoreApplication.translate("SettingsDialog", u"Settings", None))
        self.serverGroup.setTitle(QCoreApplication.translate("SettingsDialog", u"Server", None))
        self.embeddedRadio.setText(QCoreApplication.translate("SettingsDialog", u"Embedded (a local server started with the app)", None))
        self.remoteRadio.setText(QCoreApplication.translate("SettingsDialog", u"Remote sf-api server", None))
        self.urlLabel.setText(QCoreApplication.translate("SettingsDialog", u"URL", None))
        self.urlEdit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"http://host:18411", None))
        self.tokenLabel.setText(QCoreApplication.translate("SettingsDialog", u"Token", None))
        self.tokenEdit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"optional", None))
        self.timeoutLabel.setText(QCoreApplication.translate("SettingsDialog", u"Request timeout", None))
        self.timeoutSpin.setSuffix(QCoreApplication.translate("SettingsDialog", u" s", None))
        self.detectTimeoutLabel.setText(QCoreApplication.translate("SettingsDialog", u"Detection timeout", None))
        self.detectTimeoutSpin.setSuffix(QCoreApplication.translate("SettingsDialog", u" s", None))
        self.cameraGroup.setTitle(QCoreApplication.translate("SettingsDialog", u"Camera defaults", None))
        self.cameraLabel.setText(QCoreApplication.translate("SettingsDialog", u"Camera", None))
#if QT_CONFIG(tooltip)
        self.cameraCombo.setToolTip(QCoreApplication.translate("SettingsDialog", u"The camera the live view selects first", None))
#endif // QT_CONFIG(tooltip)
        self.rateLabel.setText(QCoreApplication.translate("SettingsDialog", u"Detections per second", None))
        self.attributesCheck.setText(QCoreApplication.translate("SettingsDialog", u"Show gender / age / emotion", None))
        self.thresholdGroup.setTitle(QCoreApplication.translate("SettingsDialog", u"Default threshold", None))
        self.confidenceLabel.setText(QCoreApplication.translate("SettingsDialog", u"Confidence", None))
        self.restartNote.setText(QCoreApplication.translate("SettingsDialog", u"Server changes apply when you press OK (the app reconnects).", None))
    # retranslateUi

