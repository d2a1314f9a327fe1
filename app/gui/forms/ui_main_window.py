# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'main_window.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QAction, QBrush, QColor, QConicalGradient,
    QCursor, QFont, QFontDatabase, QGradient,
    QIcon, QImage, QKeySequence, QLinearGradient,
    QPainter, QPalette, QPixmap, QRadialGradient,
    QTransform)
from PySide6.QtWidgets import (QApplication, QFrame, QHBoxLayout, QLabel,
    QMainWindow, QMenu, QMenuBar, QPushButton,
    QSizePolicy, QStatusBar, QTabWidget, QToolButton,
    QVBoxLayout, QWidget)
class Ui_MainWindow(object):
    def setupUi(self, MainWindow):
        if not MainWindow.objectName():
            MainWindow.setObjectName(u"MainWindow")
        MainWindow.resize(1200, 780)
        self.actionEnrollPhotos = QAction(MainWindow)
        self.actionEnrollPhotos.setObjectName(u"actionEnrollPhotos")
        self.actionOpenVideo = QAction(MainWindow)
        self.actionOpenVideo.setObjectName(u"actionOpenVideo")
        self.actionSettings = QAction(MainWindow)
        self.actionSettings.setObjectName(u"actionSettings")
        self.actionQuit = QAction(MainWindow)
        self.actionQuit.setObjectName(u"actionQuit")
        self.actionShowLive = QAction(MainWindow)
        self.actionShowLive.setObjectName(u"actionShowLive")
        self.actionShowGalleries = QAction(MainWindow)
        self.actionShowGalleries.setObjectName(u"actionShowGalleries")
        self.actionShowSearch = QAction(MainWindow)
        self.actionShowSearch.setObjectName(u"actionShowSearch")
        self.actionNewGallery = QAction(MainWindow)
        self.actionNewGallery.setObjectName(u"actionNewGallery")
        self.actionRefresh = QAction(MainWindow)
        self.actionRefresh.setObjectName(u"actionRefresh")
        self.actionSearchPhoto = QAction(MainWindow)
        self.actionSearchPhoto.setObjectName(u"actionSearchPhoto")
        self.central = QWidget(MainWindow)
        self.central.setObjectName(u"central")
        self.centralLayout = QVBoxLayout(self.central)
        self.centralLayout.setSpacing(4)
        self.centralLayout.setObjectName(u"centralLayout")
        self.centralLayout.setContentsMargins(6, 6, 6, 0)
        self.banner = QFrame(self.central)
        self.banner.setObjectName(u"banner")
        self.bannerLayout = QHBoxLayout(self.banner)
        self.bannerLayout.setObjectName(u"bannerLayout")
        self.bannerLabel = QLabel(self.banner)
        self.bannerLabel.setObjectName(u"bannerLabel")
        self.bannerLabel.setWordWrap(True)

        self.bannerLayout.addWidget(self.bannerLabel)

        self.bannerRetryButton = QPushButton(self.banner)
        self.bannerRetryButton.setObjectName(u"bannerRetryButton")

        self.bannerLayout.addWidget(self.bannerRetryButton)


        self.centralLayout.addWidget(self.banner)

        self.messageBar = QFrame(self.central)
        self.messageBar.setObjectName(u"messageBar")
        self.messageLayout = QHBoxLayout(self.messageBar)
        self.messageLayout.setObjectName(u"messageLayout")
        self.messageLayout.setContentsMargins(-1, 2, -1, 2)
        self.messageLabel = QLabel(self.messageBar)
        self.messageLabel.setObjectName(u"messageLabel")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.messageLayout.addWidget(self.messageLabel)

        self.messageCloseButton = QToolButton(self.messageBar)
        self.messageCloseButton.setObjectName(u"messageCloseButton")

        self.messageLayout.addWidget(self.messageCloseButton)


        self.centralLayout.addWidget(self.messageBar)

        self.tabs = QTabWidget(self.central)
        self.tabs.setObjectName(u"tabs")
        self.tabs.setDocumentMode(True)

        self.centralLayout.addWidget(self.tabs)

        MainWindow.setCentralWidget(self.central)
        self.menubar = QMenuBar(MainWindow)
        self.menubar.setObjectName(u"menubar")
        self.menuFile = QMenu(self.menubar)
        self.menuFile.setObjectName(u"menuFile")
        self.menuView = QMenu(self.menubar)
        self.menuView.setObjectName(u"menuView")
        self.menuGallery = QMenu(self.menubar)
        self.menuGallery.setObjectName(u"menuGallery")
        self.menuSearch = QMenu(self.menubar)
        self.menuSearch.setObjectName(u"menuSearch")
        MainWindow.setMenuBar(self.menubar)
        self.statusbar = QStatusBar(MainWindow)
        self.statusbar.setObjectName(u"statusbar")
        MainWindow.setStatusBar(self.statusbar)

        self.menubar.addAction(self.menuFile.menuAction())
        self.menubar.addAction(self.menuView.menuAction())
        self.menubar.addAction(self.menuGallery.menuAction())
        self.menubar.addAction(self.menuSearch.menuAction())
        self.menuFile.addAction(self.actionEnrollPhotos)
        self.menuFile.addAction(self.actionOpenVideo)
        self.menuFile.addSeparator()
        self.menuFile.addAction(self.actionSettings)
        self.menuFile.addSeparator()
        self.menuFile.addAction(self.actionQuit)
        self.menuView.addAction(self.actionShowLive)
        self.menuView.addAction(self.actionShowGalleries)
        self.menuView.addAction(self.actionShowSearch)
        self.menuGallery.addAction(self.actionNewGallery)
        self.menuGallery.addAction(self.actionRefresh)
        self.menuSearch.addAction(self.actionSearchPhoto)

        self.retranslateUi(MainWindow)

        QMetaObject.connectSlotsByName(MainWindow)
    # setupUi

    def retranslateUi(self, MainWindow):
        MainWindow.setWindowTitle(QCoreApplication.translate("MainWindow", u"sfdesk", None))
        self.actionEnrollPhotos.setText(QCoreApplication.translate("MainWindow", u"&Enroll from photos\u2026", None))
#if QT_CONFIG(shortcut)
        self.actionEnrollPhotos.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+E", None))
#endif // QT_CONFIG(shortcut)
        self.actionOpenVideo.setText(QCoreApplication.translate("MainWindow", u"&Open video\u2026", None))
#if QT_CONFIG(shortcut)
        self.actionOpenVideo.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+O", None))
#endif // QT_CONFIG(shortcut)
        self.actionSettings.setText(QCoreApplication.translate("MainWindow", u"&Settings\u2026", None))
#if QT_CONFIG(shortcut)
        self.actionSettings.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+,", None))
#endif // QT_CONFIG(shortcut)
        self.actionQuit.setText(QCoreApplication.translate("MainWindow", u"&Quit", None))
#if QT_CONFIG(shortcut)
        self.actionQuit.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+Q", None))
#endif // QT_CONFIG(shortcut)
        self.actionShowLive.setText(QCoreApplication.translate("MainWindow", u"&Live", None))
#if QT_CONFIG(shortcut)
        self.actionShowLive.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+1", None))
#endif // QT_CONFIG(shortcut)
        self.actionShowGalleries.setText(QCoreApplication.translate("MainWindow", u"&Galleries", None))
#if QT_CONFIG(shortcut)
        self.actionShowGalleries.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+2", None))
#endif // QT_CONFIG(shortcut)
        self.actionShowSearch.setText(QCoreApplication.translate("MainWindow", u"&Search", None))
#if QT_CONFIG(shortcut)
        self.actionShowSearch.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+3", None))
#endif // QT_CONFIG(shortcut)
        self.actionNewGallery.setText(QCoreApplication.translate("MainWindow", u"&New gallery\u2026", None))
#if QT_CONFIG(shortcut)
        self.actionNewGallery.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+N", None))
#endif // QT_CONFIG(shortcut)
        self.actionRefresh.setText(QCoreApplication.translate("MainWindow", u"&Refresh", None))
#if QT_CONFIG(shortcut)
        self.actionRefresh.setShortcut(QCoreApplication.translate("MainWindow", u"F5", None))
#endif // QT_CONFIG(shortcut)
        self.actionSearchPhoto.setText(QCoreApplication.translate("MainWindow", u"Search by &photo\u2026", None))
#if QT_CONFIG(shortcut)
        self.actionSearchPhoto.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+F", None))
#endif // QT_CONFIG(shortcut)
        self.banner.setObjectName(QCoreApplication.translate("MainWindow", u"banner", None))
        self.bannerLabel.setText(QCoreApplication.translate("MainWindow", u"Server connection lost.", None))
        self.bannerRetryButton.setText(QCoreApplication.translate("MainWindow", u"Retry now", None))
        self.messageCloseButton.setText(QCoreApplication.translate("MainWindow", u"\u2715", None))
#if QT_CONFIG(tooltip)
        self.messageCloseButton.setToolTip(QCoreApplication.translate("MainWindow", u"Dismiss (Esc)", None))
#endif // QT_CONFIG(tooltip)
        self.menuFile.setTitle(QCoreApplication.translate("MainWindow", u"&File", None))
        self.menuView.setTitle(QCoreApplication.translate("MainWindow", u"&View", None))
        self.menuGallery.setTitle(QCoreApplication.translate("MainWindow", u"&Gallery", None))
        self.menuSearch.setTitle(QCoreApplication.translate("MainWindow", u"&Search", None))
    # retranslateUi

