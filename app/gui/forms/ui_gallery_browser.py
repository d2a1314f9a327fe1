# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'gallery_browser.ui'
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
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QComboBox, QHBoxLayout,
    QHeaderView, QLabel, QListView, QPushButton,
    QSizePolicy, QSpacerItem, QSplitter, QStackedWidget,
    QTableView, QToolButton, QVBoxLayout, QWidget)

from app.gui.widgets._meta_editor import MetaEditor
class Ui_GalleryBrowser(object):
    def setupUi(self, GalleryBrowser):
        if not GalleryBrowser.objectName():
            GalleryBrowser.setObjectName(u"GalleryBrowser")
        self.layout = QVBoxLayout(GalleryBrowser)
        self.layout.setObjectName(u"layout")
        self.splitter = QSplitter(GalleryBrowser)
        self.splitter.setObjectName(u"splitter")
        self.splitter.setOrientation(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.galleriesPanel = QWidget(self.splitter)
        self.galleriesPanel.setObjectName(u"galleriesPanel")
        self.galleriesLayout = QVBoxLayout(self.galleriesPanel)
        self.galleriesLayout.setObjectName(u"galleriesLayout")
        self.galleriesLayout.setContentsMargins(0, 0, 0, 0)
        self.galleriesTitle = QLabel(self.galleriesPanel)
        self.galleriesTitle.setObjectName(u"galleriesTitle")

        self.galleriesLayout.addWidget(self.galleriesTitle)

        self.galleryList = QListView(self.galleriesPanel)
        self.galleryList.setObjectName(u"galleryList")
        self.galleryList.setMinimumSize(QSize(160, 0))

        self.galleriesLayout.addWidget(self.galleryList)

        self.galleryButtons = QHBoxLayout()
        self.galleryButtons.setObjectName(u"galleryButtons")
        self.newGalleryButton = QPushButton(self.galleriesPanel)
        self.newGalleryButton.setObjectName(u"newGalleryButton")

        self.galleryButtons.addWidget(self.newGalleryButton)

        self.dropGalleryButton = QPushButton(self.galleriesPanel)
        self.dropGalleryButton.setObjectName(u"dropGalleryButton")
        self.dropGalleryButton.setEnabled(False)

        self.galleryButtons.addWidget(self.dropGalleryButton)

        self.refreshButton = QToolButton(self.galleriesPanel)
        self.refreshButton.setObjectName(u"refreshButton")

        self.galleryButtons.addWidget(self.refreshButton)


        self.galleriesLayout.addLayout(self.galleryButtons)

        self.splitter.addWidget(self.galleriesPanel)
        self.facesPanel = QWidget(self.splitter)
        self.facesPanel.setObjectName(u"facesPanel")
        self.facesLayout = QVBoxLayout(self.facesPanel)
        self.facesLayout.setObjectName(u"facesLayout")
        self.facesLayout.setContentsMargins(0, 0, 0, 0)
        self.filterHost = QWidget(self.facesPanel)
        self.filterHost.setObjectName(u"filterHost")
        self.filterHostLayout = QVBoxLayout(self.filterHost)
        self.filterHostLayout.setObjectName(u"filterHostLayout")
        self.filterHostLayout.setContentsMargins(0, 0, 0, 0)

        self.facesLayout.addWidget(self.filterHost)

        self.facesToolbar = QHBoxLayout()
        self.facesToolbar.setObjectName(u"facesToolbar")
        self.facesTitle = QLabel(self.facesPanel)
        self.facesTitle.setObjectName(u"facesTitle")

        self.facesToolbar.addWidget(self.facesTitle)

        self.toolbarSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.facesToolbar.addItem(self.toolbarSpacer)

        self.sortCombo = QComboBox(self.facesPanel)
        self.sortCombo.addItem("")
        self.sortCombo.addItem("")
        self.sortCombo.setObjectName(u"sortCombo")

        self.facesToolbar.addWidget(self.sortCombo)

        self.gridButton = QToolButton(self.facesPanel)
        self.gridButton.setObjectName(u"gridButton")
        self.gridButton.setCheckable(True)
        self.gridButton.setChecked(True)
        self.gridButton.setAutoExclusive(True)

        self.facesToolbar.addWidget(self.gridButton)

        self.tableButton = QToolButton(self.facesPanel)
        self.tableButton.setObjectName(u"tableButton")
        self.tableButton.setCheckable(True)
        self.tableButton.setAutoExclusive(True)

        self.facesToolbar.addWidget(self.tableButton)

        self.deleteFacesButton = QPushButton(self.facesPanel)
        self.deleteFacesButton.setObjectName(u"deleteFacesButton")
        self.deleteFacesButton.setEnabled(False)

        self.facesToolbar.addWidget(self.deleteFacesButton)


        self.facesLayout.addLayout(self.facesToolbar)

        self.facesStack = QStackedWidget(self.facesPanel)
        self.facesStack.setObjectName(u"facesStack")
        self.gridView = QListView()
        self.gridView.setObjectName(u"gridView")
        self.gridView.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.gridView.setViewMode(QListView.ViewMode.IconMode)
        self.gridView.setResizeMode(QListView.ResizeMode.Adjust)
        self.gridView.setMovement(QListView.Movement.Static)
        self.gridView.setUniformItemSizes(True)
        self.gridView.setSpacing(6)
        self.gridView.setIconSize(QSize(96, 96))
        self.facesStack.addWidget(self.gridView)
        self.tableView = QTableView()
        self.tableView.setObjectName(u"tableView")
        self.tableView.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tableView.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tableView.setAlternatingRowColors(True)
        self.tableView.setIconSize(QSize(40, 40))
        self.facesStack.addWidget(self.tableView)

        self.facesLayout.addWidget(self.facesStack)

        self.splitter.addWidget(self.facesPanel)
        self.detailPanel = QWidget(self.splitter)
        self.detailPanel.setObjectName(u"detailPanel")
        self.detailLayout = QVBoxLayout(self.detailPanel)
        self.detailLayout.setObjectName(u"detailLayout")
        self.detailLayout.setContentsMargins(0, 0, 0, 0)
        self.faceImage = QLabel(self.detailPanel)
        self.faceImage.setObjectName(u"faceImage")
        self.faceImage.setMinimumSize(QSize(112, 112))
        self.faceImage.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.detailLayout.addWidget(self.faceImage)

        self.faceTitle = QLabel(self.detailPanel)
        self.faceTitle.setObjectName(u"faceTitle")
        self.faceTitle.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.detailLayout.addWidget(self.faceTitle)

        self.metaEditor = MetaEditor(self.detailPanel)
        self.metaEditor.setObjectName(u"metaEditor")

        self.detailLayout.addWidget(self.metaEditor)

        self.detailButtons = QHBoxLayout()
        self.detailButtons.setObjectName(u"detailButtons")
        self.saveMetaButton = QPushButton(self.detailPanel)
        self.saveMetaButton.setObjectName(u"saveMetaButton")
        self.saveMetaButton.setEnabled(False)

        self.detailButtons.addWidget(self.saveMetaButton)

        self.findSimilarButton = QPushButton(self.detailPanel)
        self.findSimilarButton.setObjectName(u"findSimilarButton")
        self.findSimilarButton.setEnabled(False)

        self.detailButtons.addWidget(self.findSimilarButton)


        self.detailLayout.addLayout(self.detailButtons)

        self.detailSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.detailLayout.addItem(self.detailSpacer)

        self.splitter.addWidget(self.detailPanel)

        self.layout.addWidget(self.splitter)


        self.retranslateUi(GalleryBrowser)

        QMetaObject.connectSlotsByName(GalleryBrowser)
    # setupUi

    def retranslateUi(self, GalleryBrowser):
        self.galleriesTitle.setText(QCoreApplication.translate("GalleryBrowser", u"<b>Galleries</b>", None))
        self.newGalleryButton.setText(QCoreApplication.translate("GalleryBrowser", u"New\u2026", None))
        self.dropGalleryButton.setText(QCoreApplication.translate("GalleryBrowser", u"Drop\u2026", None))
        self.refreshButton.setText(QCoreApplication.translate("GalleryBrowser", u"\u21bb", None))
#if QT_CONFIG(tooltip)
        self.refreshButton.setToolTip(QCoreApplication.translate("GalleryBrowser", u"Refresh (F5)", None))
#endif // QT_CONFIG(tooltip)
        self.facesTitle.setText(QCoreApplication.translate("GalleryBrowser", u"No gallery selected", None))
        self.sortCombo.setItemText(0, QCoreApplication.translate("GalleryBrowser", u"Id ascending", None))
        self.sortCombo.setItemText(1, QCoreApplication.translate("GalleryBrowser", u"Id descending", None))

        self.gridButton.setText(QCoreApplication.translate("GalleryBrowser", u"Grid", None))
        self.tableButton.setText(QCoreApplication.translate("GalleryBrowser", u"Table", None))
        self.deleteFacesButton.setText(QCoreApplication.translate("GalleryBrowser", u"Delete selected", None))
#if QT_CONFIG(shortcut)
        self.deleteFacesButton.setShortcut(QCoreApplication.translate("GalleryBrowser", u"Del", None))
#endif // QT_CONFIG(shortcut)
        self.faceTitle.setText(QCoreApplication.translate("GalleryBrowser", u"No face selected", None))
        self.saveMetaButton.setText(QCoreApplication.translate("GalleryBrowser", u"Save meta", None))
#if QT_CONFIG(shortcut)
        self.saveMetaButton.setShortcut(QCoreApplication.translate("GalleryBrowser", u"Ctrl+S", None))
#endif // QT_CONFIG(shortcut)
        self.findSimilarButton.setText(QCoreApplication.translate("GalleryBrowser", u"Find similar", None))
        pass
    # retranslateUi

