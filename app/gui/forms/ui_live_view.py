# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'live_view.ui'
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
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDoubleSpinBox,
    QHBoxLayout, QLabel, QPushButton, QSizePolicy,
    QSpacerItem, QToolButton, QVBoxLayout, QWidget)

from app.gui.widgets._frame_view import FrameView
class Ui_LiveView(object):
    def setupUi(self, LiveView):
        if not LiveView.objectName():
            LiveView.setObjectName(u"LiveView")
        self.layout = QVBoxLayout(LiveView)
        self.layout.setObjectName(u"layout")
        self.sourceRow = QHBoxLayout()
        self.sourceRow.setObjectName(u"sourceRow")
        self.sourceLabel = QLabel(LiveView)
        self.sourceLabel.setObjectName(u"sourceLabel")

        self.sourceRow.addWidget(self.sourceLabel)

        self.cameraCombo = QComboBox(LiveView)
        self.cameraCombo.setObjectName(u"cameraCombo")
        self.cameraCombo.setMinimumContentsLength(12)

        self.sourceRow.addWidget(self.cameraCombo)

        self.refreshCamerasButton = QToolButton(LiveView)
        self.refreshCamerasButton.setObjectName(u"refreshCamerasButton")

        self.sourceRow.addWidget(self.refreshCamerasButton)

        self.openCameraButton = QPushButton(LiveView)
        self.openCameraButton.setObjectName(u"openCameraButton")

        self.sourceRow.addWidget(self.openCameraButton)

        self.openFileButton = QPushButton(LiveView)
        self.openFileButton.setObjectName(u"openFileButton")

        self.sourceRow.addWidget(self.openFileButton)

        self.playButton = QPushButton(LiveView)
        self.playButton.setObjectName(u"playButton")
        self.playButton.setEnabled(False)

        self.sourceRow.addWidget(self.playButton)

        self.sourceSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.sourceRow.addItem(self.sourceSpacer)

        self.enrollPhotosButton = QPushButton(LiveView)
        self.enrollPhotosButton.setObjectName(u"enrollPhotosButton")

        self.sourceRow.addWidget(self.enrollPhotosButton)


        self.layout.addLayout(self.sourceRow)

        self.optionsRow = QHBoxLayout()
        self.optionsRow.setObjectName(u"optionsRow")
        self.rateLabel = QLabel(LiveView)
        self.rateLabel.setObjectName(u"rateLabel")

        self.optionsRow.addWidget(self.rateLabel)

        self.rateSpin = QDoubleSpinBox(LiveView)
        self.rateSpin.setObjectName(u"rateSpin")
        self.rateSpin.setDecimals(1)
        self.rateSpin.setMinimum(0.000000000000000)
        self.rateSpin.setMaximum(30.000000000000000)
        self.rateSpin.setSingleStep(0.500000000000000)

        self.optionsRow.addWidget(self.rateSpin)

        self.attributesCheck = QCheckBox(LiveView)
        self.attributesCheck.setObjectName(u"attributesCheck")

        self.optionsRow.addWidget(self.attributesCheck)

        self.identifyCheck = QCheckBox(LiveView)
        self.identifyCheck.setObjectName(u"identifyCheck")

        self.optionsRow.addWidget(self.identifyCheck)

        self.identifyGalleryCombo = QComboBox(LiveView)
        self.identifyGalleryCombo.setObjectName(u"identifyGalleryCombo")
        self.identifyGalleryCombo.setMinimumContentsLength(12)

        self.optionsRow.addWidget(self.identifyGalleryCombo)

        self.optionsSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.optionsRow.addItem(self.optionsSpacer)


        self.layout.addLayout(self.optionsRow)

        self.frameView = FrameView(LiveView)
        self.frameView.setObjectName(u"frameView")
        sizePolicy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        sizePolicy.setHorizontalStretch(0)
        sizePolicy.setVerticalStretch(1)
        sizePolicy.setHeightForWidth(self.frameView.sizePolicy().hasHeightForWidth())
        self.frameView.setSizePolicy(sizePolicy)

        self.layout.addWidget(self.frameView)

        self.statusRow = QHBoxLayout()
        self.statusRow.setObjectName(u"statusRow")
        self.facesLabel = QLabel(LiveView)
        self.facesLabel.setObjectName(u"facesLabel")

        self.statusRow.addWidget(self.facesLabel)

        self.statusSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.statusRow.addItem(self.statusSpacer)

        self.searchFaceButton = QPushButton(LiveView)
        self.searchFaceButton.setObjectName(u"searchFaceButton")
        self.searchFaceButton.setEnabled(False)

        self.statusRow.addWidget(self.searchFaceButton)

        self.statsLabel = QLabel(LiveView)
        self.statsLabel.setObjectName(u"statsLabel")

        self.statusRow.addWidget(self.statsLabel)


        self.layout.addLayout(self.statusRow)


        self.retranslateUi(LiveView)

        QMetaObject.connectSlotsByName(LiveView)
    # setupUi

    def retranslateUi(self, LiveView):
        self.sourceLabel.setText(QCoreApplication.translate("LiveView", u"Source:", None))
#if QT_CONFIG(tooltip)
        self.cameraCombo.setToolTip(QCoreApplication.translate("LiveView", u"Cameras found on this machine", None))
#endif // QT_CONFIG(tooltip)
        self.refreshCamerasButton.setText(QCoreApplication.translate("LiveView", u"\u21bb", None))
#if QT_CONFIG(tooltip)
        self.refreshCamerasButton.setToolTip(QCoreApplication.translate("LiveView", u"Look for cameras again", None))
#endif // QT_CONFIG(tooltip)
        self.openCameraButton.setText(QCoreApplication.translate("LiveView", u"Open camera", None))
        self.openFileButton.setText(QCoreApplication.translate("LiveView", u"Open video\u2026", None))
        self.playButton.setText(QCoreApplication.translate("LiveView", u"Play", None))
#if QT_CONFIG(shortcut)
        self.playButton.setShortcut(QCoreApplication.translate("LiveView", u"Space", None))
#endif // QT_CONFIG(shortcut)
        self.enrollPhotosButton.setText(QCoreApplication.translate("LiveView", u"Enroll from photos\u2026", None))
        self.rateLabel.setText(QCoreApplication.translate("LiveView", u"Detect:", None))
        self.rateSpin.setSuffix(QCoreApplication.translate("LiveView", u" /s", None))
#if QT_CONFIG(tooltip)
        self.rateSpin.setToolTip(QCoreApplication.translate("LiveView", u"Detections per second; frames arriving while the server is busy are skipped", None))
#endif // QT_CONFIG(tooltip)
        self.attributesCheck.setText(QCoreApplication.translate("LiveView", u"Gender / age / emotion", None))
        self.identifyCheck.setText(QCoreApplication.translate("LiveView", u"Identify in", None))
#if QT_CONFIG(tooltip)
        self.frameView.setToolTip(QCoreApplication.translate("LiveView", u"Click a face to enroll it; drop photos here to enroll them", None))
#endif // QT_CONFIG(tooltip)
        self.searchFaceButton.setText(QCoreApplication.translate("LiveView", u"Search selected face", None))
        pass
    # retranslateUi

