"""The gallery browser: galleries, their faces as grid or table, paging, meta edits, deletes."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QScrollBar, QWidget

from app.gui._slots import asyncSlot
from app.gui.forms.ui_gallery_browser import Ui_GalleryBrowser
from app.gui.models import (
    GRID_CELL,
    NAME_ROLE,
    THUMB_SIZE,
    FacesModel,
    GalleryListModel,
    ThumbnailCache,
)
from app.gui.state import (
    ID_FIELD,
    FaceRecord,
    FacesState,
    FilterBuilderState,
    FilterRow,
    GalleriesState,
    MessageBridge,
    Operations,
    Operator,
    Session,
    changed_meta,
    guarded,
)
from app.gui.views._create_gallery_dialog import CreateGalleryDialog
from app.gui.views._dialogs import confirm, run_dialog
from app.gui.views._filter_builder import FilterBuilder
from app.gui.widgets import pixmap_from_bytes
from app.sfapi_client.filters import Filter

#: Load the next page when the scroll bar is this close to its end.
SCROLL_MARGIN = 40


class GalleryBrowser(QWidget):
    """Observes GalleriesState and FacesState; `findSimilar(gallery, face_id)` asks for a search."""

    findSimilar = Signal(str, object)

    def __init__(
        self,
        session: Session,
        galleries: GalleriesState,
        thumbnails: ThumbnailCache,
        ops: Operations,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ui = Ui_GalleryBrowser()
        self.ui.setupUi(self)
        self.session = session
        self.galleries = galleries
        self.thumbnails = thumbnails
        self.ops = ops
        self.faces = FacesState(session)
        self.filters = FilterBuilderState()
        self.create_dialog: CreateGalleryDialog | None = None

        self.gallery_model = GalleryListModel(galleries, self)
        self.ui.galleryList.setModel(self.gallery_model)
        self.faces_model = FacesModel(self.faces, thumbnails, self)
        self.ui.tableView.setModel(self.faces_model)
        self.ui.gridView.setModel(self.faces_model)
        self.ui.gridView.setSelectionModel(self.ui.tableView.selectionModel())
        self.ui.gridView.setGridSize(GRID_CELL)
        self.ui.gridView.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.ui.gridView.setIconSize(self.ui.gridView.iconSize().scaled(
            THUMB_SIZE, THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio
        ))
        self.ui.tableView.verticalHeader().setDefaultSectionSize(44)
        self.ui.tableView.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.ui.tableView.horizontalHeader().setStretchLastSection(True)
        self.ui.splitter.setSizes([200, 640, 280])
        self.ui.splitter.setStretchFactor(1, 1)

        self.filter_builder = FilterBuilder(self.filters, self.ui.filterHost)
        self.ui.filterHostLayout.addWidget(self.filter_builder)

        self.ui.galleryList.selectionModel().currentChanged.connect(self._on_gallery_changed)
        galleries.changed.connect(self._on_galleries_changed)
        self.faces.reset.connect(self._on_faces_reset)
        self.faces.appended.connect(self._on_faces_appended)
        self.faces.removed.connect(self._on_faces_reset)
        self.ui.tableView.selectionModel().selectionChanged.connect(self._on_selection)
        for view in (self.ui.tableView, self.ui.gridView):
            bar = view.verticalScrollBar()
            bar.valueChanged.connect(lambda value, bar=bar: self._on_scrolled(value, bar))
        self.ui.newGalleryButton.clicked.connect(self.create_gallery)
        self.ui.dropGalleryButton.clicked.connect(self.drop_gallery)
        self.ui.refreshButton.clicked.connect(self.refresh)
        self.ui.sortCombo.currentIndexChanged.connect(self.reload_faces)
        self.ui.gridButton.toggled.connect(self._on_mode)
        self.ui.deleteFacesButton.clicked.connect(self.delete_selected)
        self.ui.saveMetaButton.clicked.connect(self.save_meta)
        self.ui.findSimilarButton.clicked.connect(self._on_find_similar)
        self.ui.metaEditor.edited.connect(self._update_detail_buttons)
        self.filter_builder.applied.connect(self.reload_faces)
        self._on_mode(True)
        self._show_face(None)

    @property
    def messages(self) -> MessageBridge:
        """Where errors go (the window's message bar)."""
        return self.session.messages

    # ------------------------------------------------------------------ galleries

    @property
    def current_gallery(self) -> str | None:
        """The gallery selected in the list."""
        index = self.ui.galleryList.currentIndex()
        name = index.data(NAME_ROLE) if index.isValid() else None
        return str(name) if name else None

    def select_gallery(self, name: str) -> None:
        """Select gallery `name` in the list (loads its faces)."""
        row = self.gallery_model.row_of(name)
        if row is not None:
            self.ui.galleryList.setCurrentIndex(self.gallery_model.index(row, 0))

    def _on_galleries_changed(self, _: None) -> None:
        # The model was reset, which clears the selection: restore the one we show.
        if self.faces.gallery is not None and self.faces.gallery in self.galleries.names:
            row = self.gallery_model.row_of(self.faces.gallery)
            assert row is not None
            self.ui.galleryList.selectionModel().blockSignals(True)
            self.ui.galleryList.setCurrentIndex(self.gallery_model.index(row, 0))
            self.ui.galleryList.selectionModel().blockSignals(False)
        elif self.faces.gallery is not None:
            self._open(None)
        self.ui.dropGalleryButton.setEnabled(self.current_gallery is not None)

    @Slot(QModelIndex, QModelIndex)
    def _on_gallery_changed(self, current: QModelIndex, _: QModelIndex) -> None:
        name = current.data(NAME_ROLE) if current.isValid() else None
        self.ui.dropGalleryButton.setEnabled(name is not None)
        self._open(str(name) if name else None)

    @asyncSlot()
    @guarded("Loading galleries")
    async def refresh(self) -> None:
        """Reload the gallery list (and the faces shown)."""
        await self.galleries.refresh()
        if self.faces.gallery is not None:
            await self._reload()

    @asyncSlot()
    @guarded()
    async def create_gallery(self) -> None:
        """Ask for a name and schema, then create the gallery."""
        dialog = CreateGalleryDialog(self)
        self.create_dialog = dialog
        try:
            if not await run_dialog(dialog):
                return
        finally:
            self.create_dialog = None
            dialog.deleteLater()
        await self.galleries.create(dialog.name, dialog.schema)
        self.select_gallery(dialog.name)

    @asyncSlot()
    @guarded("Dropping gallery")
    async def drop_gallery(self) -> None:
        """Drop the selected gallery after confirmation."""
        name = self.current_gallery
        if name is None:
            return
        count = next((g.count for g in self.galleries.items if g.name == name), 0)
        if not confirm(self, "Drop gallery", f"Drop gallery {name!r} and its {count} face(s)?"):
            return
        await self.galleries.drop(name)
        self.thumbnails.forget(name)

    # ------------------------------------------------------------------ faces

    @asyncSlot(object)
    @guarded("Loading faces")
    async def _open(self, name: str | None) -> None:
        schema = await self.galleries.schema(name) if name else []
        if name != self.current_gallery:
            return
        self.filters.set_schema(schema)
        self.ui.metaEditor.set_schema(schema)
        await self.faces.open(name, schema, descending=self._descending, filters=self._filters())

    @property
    def _descending(self) -> bool:
        return bool(self.ui.sortCombo.currentIndex() == 1)

    def _filters(self) -> list[Filter]:
        if not self.filter_builder.validate():
            return []
        return self.filters.build()

    async def _reload(self) -> None:
        await self.faces.open(
            self.faces.gallery, self.faces.schema,
            descending=self._descending, filters=self._filters(),
        )

    @asyncSlot()
    @guarded("Loading faces")
    async def reload_faces(self) -> None:
        """Reload from the first page with the current sort and filters."""
        if self.faces.gallery is not None:
            await self._reload()

    async def show_face(self, gallery: str, face_id: int) -> None:
        """Show one face: select its gallery and filter the list to its id."""
        self.select_gallery(gallery)
        schema = await self.galleries.schema(gallery)
        self.filters.set_schema(schema)
        self.filters.rows = [FilterRow(ID_FIELD, Operator.ONE_OF, str(face_id))]
        self.filters.changed.emit(None)
        self.ui.metaEditor.set_schema(schema)
        await self.faces.open(gallery, schema, filters=self.filters.build())
        if self.faces.faces:
            self.ui.tableView.selectRow(0)

    def _on_faces_reset(self, _: None) -> None:
        gallery = self.faces.gallery
        self.ui.facesTitle.setText(f"<b>{gallery}</b>" if gallery else "No gallery selected")
        self._show_face(None)

    def _on_faces_appended(self, _: int) -> None:
        shown = len(self.faces.faces)
        more = " (scroll for more)" if self.faces.has_more else ""
        self.ui.facesTitle.setText(f"<b>{self.faces.gallery}</b>: {shown} face(s){more}")
        self.ui.tableView.resizeColumnToContents(0)
        # Keep loading while the view is not full enough to scroll.
        view = self.ui.facesStack.currentWidget()
        assert isinstance(view, QAbstractItemView)
        if self.faces.has_more and view.verticalScrollBar().maximum() == 0:
            self.load_more()

    def _on_scrolled(self, value: int, bar: QScrollBar) -> None:
        if self.faces.has_more and value >= bar.maximum() - SCROLL_MARGIN:
            self.load_more()

    @asyncSlot()
    @guarded("Loading more faces")
    async def load_more(self) -> None:
        """Fetch the next page (ignored while one is loading)."""
        await self.faces.load_more()

    @Slot(bool)
    def _on_mode(self, grid: bool) -> None:
        self.ui.facesStack.setCurrentWidget(self.ui.gridView if grid else self.ui.tableView)

    def selected_face_ids(self) -> list[int]:
        """The ids of the selected faces."""
        rows = sorted({index.row() for index in self.ui.tableView.selectionModel().selectedRows()})
        return self.faces_model.face_ids(rows)

    @asyncSlot()
    @guarded("Deleting faces")
    async def delete_selected(self) -> None:
        """Delete the selected faces after confirmation."""
        ids = self.selected_face_ids()
        if not ids or not confirm(self, "Delete faces", f"Delete {len(ids)} face(s)?"):
            return
        await self.faces.delete(ids)
        await self.galleries.refresh()

    # ------------------------------------------------------------------ detail

    @property
    def selected_face(self) -> FaceRecord | None:
        """The face shown in the detail panel (exactly one selected)."""
        rows = {index.row() for index in self.ui.tableView.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self.faces.faces[row] if row < len(self.faces.faces) else None

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, *_: QItemSelection) -> None:
        self.ui.deleteFacesButton.setEnabled(bool(self.selected_face_ids()))
        self._show_face(self.selected_face)

    def _show_face(self, face: FaceRecord | None) -> None:
        self.ui.metaEditor.setEnabled(face is not None)
        if face is None:
            self.ui.faceTitle.setText("No face selected")
            self.ui.faceImage.setPixmap(pixmap_from_bytes(None, 112, "no face"))
            self.ui.metaEditor.set_values({})
        else:
            crop = self.thumbnails.crops.get((face.gallery, face.face_id))
            self.ui.faceImage.setPixmap(pixmap_from_bytes(crop, 112))
            self.ui.faceTitle.setText(f"Face {face.face_id}")
            self.ui.metaEditor.set_values(face.meta)
        self._update_detail_buttons()

    @Slot()
    def _update_detail_buttons(self) -> None:
        face = self.selected_face
        self.ui.findSimilarButton.setEnabled(face is not None)
        self.ui.saveMetaButton.setEnabled(face is not None and self.ui.metaEditor.validate())

    @asyncSlot()
    @guarded("Saving meta")
    async def save_meta(self) -> None:
        """PATCH the changed meta keys of the selected face."""
        face = self.selected_face
        if face is None:
            return
        changes = changed_meta(face.meta, self.ui.metaEditor.values())
        if not changes:
            self.messages.info("Nothing changed")
            return
        await self.faces.update_meta(face.face_id, changes)
        self._show_face(self.selected_face)

    @Slot()
    def _on_find_similar(self) -> None:
        face = self.selected_face
        if face is not None:
            self.findSimilar.emit(face.gallery, face.face_id)
