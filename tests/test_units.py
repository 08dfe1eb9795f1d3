"""Small pure pieces: language negotiation, titles, cursors, stream ids, photo names."""

from __future__ import annotations

import pytest

from lapor.broker.streamids import is_stream_id, stream_id_key
from lapor.i18n import negotiate, translate
from lapor.media import store
from lapor.services.intake import derive_title
from lapor.store.queries import InvalidCursor, decode_cursor


def test_language_negotiation() -> None:
    assert negotiate(None) == "id"
    assert negotiate("en-US,en;q=0.9") == "en"
    assert negotiate("fr-FR, en;q=0.5") == "en"
    assert negotiate("en", preferred="id") == "id"
    assert negotiate("de") == "id"


def test_translate_falls_back_to_indonesian() -> None:
    assert translate("field.required", "xx", field="Nama") == "Nama wajib diisi"
    assert translate("no.such.key") == "no.such.key"


def test_title_from_description() -> None:
    assert derive_title("Lampu mati\nsejak kemarin") == "Lampu mati"
    long = "kata " * 40
    title = derive_title(long)
    assert len(title) <= 81 and title.endswith("…") and not title.endswith(" …")


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90IGpzb24", "WyJuZXdlc3QiXQ"])
def test_bad_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, "newest")


def test_stream_ids_compare_numerically() -> None:
    assert stream_id_key("1700000000000-10") > stream_id_key("1700000000000-9")
    assert is_stream_id("5-0") and not is_stream_id("yesterday")


def test_upload_names_cannot_traverse() -> None:
    assert store.is_upload_name("0" * 32 + ".upload")
    assert not store.is_upload_name("../../etc/passwd")
    with pytest.raises(ValueError):
        store.upload_path(store.Path("/tmp"), "../x.upload")  # type: ignore[attr-defined]
    assert store.is_photo_file_name("a" * 32 + "_thumb.jpg")
    assert not store.is_photo_file_name("../" + "a" * 29 + ".jpg")
