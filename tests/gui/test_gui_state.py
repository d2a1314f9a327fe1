"""Unit tests of the Qt-free GUI state against a fake client: parsing, filters, paging, watcher."""

from __future__ import annotations

import asyncio

import pytest
from gui_fakes import FakeClient

from app.gui.state import (
    ConnectionWatcher,
    FacesState,
    FilterBuilderState,
    GuiError,
    Level,
    LiveFace,
    MessageBridge,
    MetaField,
    MetaType,
    Operations,
    Operator,
    Phase,
    Session,
    Settings,
    ValidationError,
    changed_meta,
    describe_attributes,
    guarded,
    issues_of,
    parse_meta_text,
)
from app.protocol import UINT64_MAX
from app.sfapi_client import BadParam, BBox, DetectFace


def session_with(client: FakeClient) -> Session:
    session = Session(Settings())
    asyncio.run(session.set_client(client))  # type: ignore[arg-type]
    return session


def test_unsigned_meta_accepts_the_whole_uint64_range_and_rejects_the_rest() -> None:
    field = MetaField("person_id", MetaType.UNSIGNED)
    assert parse_meta_text(field, str(UINT64_MAX)) == UINT64_MAX
    assert parse_meta_text(field, "") is None
    for bad in (str(UINT64_MAX + 1), "-1", "1.5", "abc"):
        with pytest.raises(ValidationError) as info:
            parse_meta_text(field, bad)
        assert info.value.field == "person_id"


def test_set_meta_is_a_sorted_unique_list() -> None:
    tags = MetaField("tags", MetaType.SET_STRING)
    assert parse_meta_text(tags, " vip, staff,vip ,, ") == ["staff", "vip"]
    numbers = MetaField("ids", MetaType.SET_UNSIGNED)
    assert parse_meta_text(numbers, "3, 1") == [1, 3]
    with pytest.raises(ValidationError):
        parse_meta_text(numbers, "1, x")


def test_only_changed_meta_keys_are_sent() -> None:
    original = {"name": "Ann", "tags": ["b", "a"], "person_id": 7}
    edited = {"name": "Ann", "tags": ["a", "b"], "person_id": 8, "cam_id": None}
    assert changed_meta(original, edited) == {"person_id": 8}


def test_filter_rows_are_validated_and_serialized_with_and() -> None:
    state = FilterBuilderState()
    state.set_schema([MetaField("name", MetaType.STRING), MetaField("tags", MetaType.SET_STRING)])
    state.add_row()
    state.update_row(0, field="id", op=Operator.GTE, text="abc")
    assert state.row_error(state.rows[0]) is not None
    with pytest.raises(ValidationError):
        state.build()
    state.update_row(0, field="id", op=Operator.GTE, text=str(UINT64_MAX))
    state.add_row()
    state.update_row(1, field="tags", op=Operator.CONTAINS_ALL, text="vip, staff")
    state.add_row()
    state.update_row(2, field="name", op=Operator.ONE_OF, text="Ann, Bob")
    queries = [f.query("g") for f in state.build()]
    flat = [pair for query in queries for pair in query]
    assert ("id:gte", str(UINT64_MAX)) in flat
    assert ("meta:subset:tags", "vip") in flat and ("meta:subset:tags", "staff") in flat
    assert ("meta:in:name", "Ann") in flat and ("meta:in:name", "Bob") in flat
    state.update_row(1, field="tags", op=Operator.LTE, text="x")
    assert "does not apply" in (state.row_error(state.rows[1]) or "")
    state.set_schema([MetaField("name", MetaType.STRING)])
    assert [row.field for row in state.rows] == ["id", "name"]


def test_faces_state_pages_with_the_cursor_and_patches_only_changes() -> None:
    client = FakeClient()
    client.galleries["g"] = {i: {"name": f"n{i}"} for i in range(1, 131)}
    session = session_with(client)
    faces = FacesState(session)
    appended: list[int] = []
    faces.appended.connect(appended.append)

    async def scenario() -> None:
        await faces.open("g", [MetaField("name", MetaType.STRING)], descending=True)
        assert [f.face_id for f in faces.faces[:2]] == [130, 129]
        while faces.has_more:
            await faces.load_more()
        await faces.update_meta(5, {"name": "five"})
        await faces.delete([1, 2])

    asyncio.run(scenario())
    assert len(faces.faces) == 128 and appended == [0, 60, 120]
    pages = [call[5] for call in client.calls if call[0] == "list"]
    assert pages == [None, "60", "120"]
    assert ("update", "g", 5, {"name": "five"}) in client.calls
    assert faces.faces[faces.row_of(5) or 0].meta["name"] == "five"
    assert [m.text for m in session.messages.history][-1] == "Deleted 2 face(s)"

    async def overtaken() -> None:  # a page that arrives after a new open() is dropped
        first = asyncio.ensure_future(faces.open("g", faces.schema, descending=False))
        await asyncio.sleep(0)
        await faces.open("g", faces.schema, descending=True)
        await first

    asyncio.run(overtaken())
    assert [f.face_id for f in faces.faces[:2]] == [130, 129] and len(faces.faces) == 60


def test_watcher_marks_the_server_lost_and_recovers() -> None:
    client = FakeClient()
    session = session_with(client)
    watcher = ConnectionWatcher(session.connection, client, interval=0.01, max_backoff=0.02)  # type: ignore[arg-type]
    phases: list[Phase] = []
    session.connection.changed.connect(lambda info: phases.append(info.phase))

    async def scenario() -> None:
        assert await watcher.check()
        assert session.connection.info.version == "9.9.9"
        assert session.connection.info.latency_ms is not None
        client.down = True
        task = asyncio.ensure_future(watcher.run())
        while session.connection.info.phase is not Phase.LOST:
            await asyncio.sleep(0.005)
        assert "CONNECTION_ERROR" in session.connection.info.detail
        client.down = False
        while session.connection.info.phase is not Phase.CONNECTED:
            await asyncio.sleep(0.005)
        task.cancel()

    asyncio.run(scenario())
    assert Phase.LOST in phases and phases[-1] is Phase.CONNECTED


class _Owner:
    def __init__(self) -> None:
        self.ops = Operations()
        self.messages = MessageBridge()

    @guarded("Failing")
    async def fail_remote(self) -> None:
        raise BadParam("BAD_PARAM", "threshold must be within [0, 1]", "threshold", "1.7")

    @guarded("Failing")
    async def fail_bug(self) -> None:
        raise KeyError("bug")


def test_guarded_reports_expected_errors_with_code_and_lets_bugs_through() -> None:
    owner = _Owner()
    asyncio.run(owner.fail_remote())
    message = owner.messages.history[-1]
    assert message.level is Level.ERROR and message.code == "BAD_PARAM"
    assert "threshold must be within [0, 1]" in message.render()
    assert "param threshold='1.7'" in message.render()
    assert not owner.ops.running
    with pytest.raises(KeyError):
        asyncio.run(owner.fail_bug())
    assert not owner.ops.running
    assert isinstance(GuiError("x"), Exception)


def test_attribute_text_reads_both_attribute_apis() -> None:
    old = {"gender": {"gender": "MALE", "score": 1.2}, "age": 34.4,
           "emotions": [{"emotion": "happy", "score": 0.9}]}
    new = {"gender": {"name": "female", "confidence": 0.9}, "age": {"name": 41, "confidence": 1},
           "emotions": {"name": "sad", "confidence": 0.7}}
    assert describe_attributes(old) == "male, 34y, happy"
    assert describe_attributes(new) == "female, 41y, sad"
    assert issues_of({"quality_issues": ["too_small", "blurred"]}) == ["too small", "blurred"]


def test_live_labels_say_unknown_without_a_match() -> None:
    detection = DetectFace("d1", BBox(1, 2, 30, 40), {"quality": 0.5, "quality_issues": []})
    face = LiveFace.from_detection(detection)
    assert face.box == (1, 2, 30, 40)
    assert face.label(identify=True, attributes=False) == "unknown · q 0.50"
    face.match, face.confidence = "Ann", 0.91
    assert face.label(identify=True, attributes=False) == "Ann 0.91 · q 0.50"
    assert face.label(identify=False, attributes=False) == "q 0.50"


class _Slow(_Owner):
    @guarded("Waiting for the server")
    async def wait(self) -> None:
        await asyncio.sleep(60)


def test_cancelling_a_visible_operation_ends_it_quietly() -> None:
    owner = _Slow()

    async def scenario() -> None:
        task = asyncio.ensure_future(owner.wait())
        await asyncio.sleep(0)
        assert [op.label for op in owner.ops.visible] == ["Waiting for the server"]
        owner.ops.cancel_visible()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert not owner.ops.running and not owner.messages.history


@pytest.mark.parametrize(
    "package", ["app.gui.state", "app.gui.models", "app.gui.views", "app.gui.widgets"]
)
def test_packages_export_a_sorted_complete_all(package: str) -> None:
    import importlib
    import pkgutil

    module = importlib.import_module(package)
    assert module.__all__ == sorted(module.__all__)
    assert all(hasattr(module, name) for name in module.__all__)
    for info in pkgutil.iter_modules(module.__path__):
        assert info.name.startswith("_"), f"{package}.{info.name} should be private"
