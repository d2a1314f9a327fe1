# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'search_view.ui'
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
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QCheckBox, QComboBox,
    QFormLayout, QHBoxLayout, QHeaderView, QLabel,
    QPushButton, QSizePolicy, QSlider, QSpacerItem,
    QSpinBox, QSplitter, QTableView, QVBoxLayout,
    QWidget)
class Ui_SearchView(object):
    def setupUi(self, SearchView):
        if not SearchView.objectName():
            SearchView.setObjectName(u"SearchView")
        self.layout = QVBoxLayout(SearchView)
        self.layout.setObjectName(u"layout")
        self.splitter = QSplitter(SearchView)
        self.splitter.setObjectName(u"splitter")
        self.splitter.setOrientation(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.probePanel = QWidget(self.splitter)
        self.probePanel.setObjectName(u"probePanel")
        self.probeLayout = QVBoxLayout(self.probePanel)
        self.probeLayout.setObjectName(u"probeLayout")
        self.probeLayout.setContentsMargins(0, 0, 0, 0)
        self.probeTitle = QLabel(self.probePanel)
        self.probeTitle.setObjectName(u"probeTitle")

        self.probeLayout.addWidget(self.probeTitle)

        self.probeImage = QLabel(self.probePanel)
        self.probeImage.setObjectName(u"probeImage")
        self.probeImage.setMinimumSize(QSize(160, 160))
        self.probeImage.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.probeLayout.addWidget(self.probeImage)

        self.probeLabel = QLabel(self.probePanel)
        self.probeLabel.setObjectName(u"probeLabel")
        self.probeLabel.setWordWrap(True)

        self.probeLayout.addWidget(self.probeLabel)

        self.probeFileButton = QPushButton(self.probePanel)
        self.probeFileButton.setObjectName(u"probeFileButton")

        self.probeLayout.addWidget(self.probeFileButton)

        self.optionsForm = QFormLayout()
        self.optionsForm.setObjectName(u"optionsForm")
        self.galleryLabel = QLabel(self.probePanel)
        self.galleryLabel.setObjectName(u"galleryLabel")

        self.optionsForm.setWidget(0, QFormLayout.ItemRole.LabelRole, self.galleryLabel)

        self.galleryCombo = QComboBox(self.probePanel)
        self.galleryCombo.setObjectName(u"galleryCombo")

        self.optionsForm.setWidget(0, QFormLayout.ItemRole.FieldRole, self.galleryCombo)

        self.thresholdTitle = QLabel(self.probePanel)
        self.thresholdTitle.setObjectName(u"thresholdTitle")

        self.optionsForm.setWidget(1, QFormLayout.ItemRole.LabelRole, self.thresholdTitle)

        self.thresholdSlider = QSlider(self.probePanel)
        self.thresholdSlider.setObjectName(u"thresholdSlider")
        self.thresholdSlider.setOrientation(Qt.Orientation.Horizontal)
        self.thresholdSlider.setMinimum(0)
        self.thresholdSlider.setMaximum(100)
        self.thresholdSlider.setValue(75)

        self.optionsForm.setWidget(1, QFormLayout.ItemRole.FieldRole, self.thresholdSlider)

        self.thresholdLabel = QLabel(self.probePanel)
        self.thresholdLabel.setObjectName(u"thresholdLabel")

        self.optionsForm.setWidget(2, QFormLayout.ItemRole.FieldRole, self.thresholdLabel)

        self.limitLabel = QLabel(self.probePanel)
        self.limitLabel.setObjectName(u"limitLabel")

        self.optionsForm.setWidget(3, QFormLayout.ItemRole.LabelRole, self.limitLabel)

        self.limitSpin = QSpinBox(self.probePanel)
        self.limitSpin.setObjectName(u"limitSpin")
        self.limitSpin.setMinimum(1)
        self.limitSpin.setMaximum(1000)
        self.limitSpin.setValue(20)

        self.optionsForm.setWidget(3, QFormLayout.ItemRole.FieldRole, self.limitSpin)


        self.probeLayout.addLayout(self.optionsForm)

        self.useFiltersCheck = QCheckBox(self.probePanel)
        self.useFiltersCheck.setObjectName(u"useFiltersCheck")

        self.probeLayout.addWidget(self.useFiltersCheck)

        self.searchButton = QPushButton(self.probePanel)
        self.searchButton.setObjectName(u"searchButton")
        self.searchButton.setEnabled(False)

        self.probeLayout.addWidget(self.searchButton)

        self.probeSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.probeLayout.addItem(self.probeSpacer)

        self.splitter.addWidget(self.probePanel)
        self.resultsTable = QTableView(self.splitter)
        self.resultsTable.setObjectName(u"resultsTable")
        self.resultsTable.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.resultsTable.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.resultsTable.setIconSize(QSize(56, 56))
        self.splitter.addWidget(self.resultsTable)
        self.comparePanel = QWidget(self.splitter)
        self.comparePanel.setObjectName(u"comparePanel")
        self.compareLayout = QVBoxLayout(self.comparePanel)
        self.compareLayout.setObjectName(u"compareLayout")
        self.compareLayout.setContentsMargins(0, 0, 0, 0)
        self.compareTitle = QLabel(self.comparePanel)
        self.compareTitle.setObjectName(u"compareTitle")

        self.compareLayout.addWidget(self.compareTitle)

        self.compareImages = QHBoxLayout()
        self.compareImages.setObjectName(u"compareImages")
        self.compareProbe = QLabel(self.comparePanel)
        self.compareProbe.setObjectName(u"compareProbe")
        self.compareProbe.setMinimumSize(QSize(112, 112))
        self.compareProbe.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.compareImages.addWidget(self.compareProbe)

        self.compareMatch = QLabel(self.comparePanel)
        self.compareMatch.setObjectName(u"compareMatch")
        self.compareMatch.setMinimumSize(QSize(112, 112))
        self.compareMatch.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.compareImages.addWidget(self.compareMatch)


        self.compareLayout.addLayout(self.compareImages)

        self.matchInfo = QLabel(self.comparePanel)
        self.matchInfo.setObjectName(u"matchInfo")
        self.matchInfo.setWordWrap(True)

        self.compareLayout.addWidget(self.matchInfo)

        self.openInBrowserButton = QPushButton(self.comparePanel)
        self.openInBrowserButton.setObjectName(u"openInBrowserButton")
        self.openInBrowserButton.setEnabled(False)

        self.compareLayout.addWidget(self.openInBrowserButton)

        self.compareSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.compareLayout.addItem(self.compareSpacer)

        self.splitter.addWidget(self.comparePanel)

        self.layout.addWidget(self.splitter)


        self.retranslateUi(SearchView)

        QMetaObject.connectSlotsByName(SearchView)
    # setupUi

    def retranslateUi(self, SearchView):
        self.probeTitle.setText(QCoreApplication.translate("SearchView", u"<b>Probe</b>", None))
        self.probeLabel.setText(QCoreApplication.translate("SearchView", u"No probe yet: pick a photo, a live face or a gallery face.", None))
        self.probeFileButton.setText(QCoreApplication.translate("SearchView", u"Probe from photo\u2026", None))
        self.galleryLabel.setText(QCoreApplication.translate("SearchView", u"Gallery", None))
        self.thresholdTitle.setText(QCoreApplication.translate("SearchView", u"Threshold", None))
        self.limitLabel.setText(QCoreApplication.translate("SearchView", u"At most", None))
        self.useFiltersCheck.setText(QCoreApplication.translate("SearchView", u"Apply the browser's filters", None))
        self.searchButton.setText(QCoreApplication.translate("SearchView", u"Search", None))
#if QT_CONFIG(shortcut)
        self.searchButton.setShortcut(QCoreApplication.translate("SearchView", u"Ctrl+Return", None))
#endif // QT_CONFIG(shortcut)
        self.compareTitle.setText(QCoreApplication.translate("SearchView", u"<b>Probe and match</b>", None))
        self.matchInfo.setText(QCoreApplication.translate("SearchView", u"Select a result.", None))
        self.openInBrowserButton.setText(QCoreApplication.translate("SearchView", u"Open in browser", None))
        pass
    # retranslateUi

