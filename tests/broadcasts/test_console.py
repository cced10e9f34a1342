"""An organiser in the console chat broadcasts to a branch; it arrives in several languages."""

from __future__ import annotations

from pathlib import Path

from tests.test_console import console

SCRIPT = """\
:as ana
:lang es
:join london-hackney
:as farid
:lang ar
:join glasgow-southside
:as tess
:join london-brixton
:as olga
:join uk organiser
/role grant translator es tess --branch uk
/broadcast uk
Hello everyone: the general assembly is on Saturday.
:press When the translations are ready
:press In 6 hours
:press Members' private messages
:press Send
:time +1m
:as tess
:press Translate
¡Hola a todos! La asamblea general es el sábado.
:time +6h
:quit
"""


def test_broadcast_from_the_console(tmp_path: Path) -> None:
    out = console(tmp_path, SCRIPT)
    assert "[dm:olga] bot: Preview of broadcast #1:" in out
    assert "Recipients: 4 members by private message and 0 chats." in out
    assert "[dm:tess] bot: 🌐 Please translate an announcement of United Kingdom" in out
    # Spanish: Tess's translation; Arabic: the original, in an Arabic frame; English.
    assert "[dm:ana] bot: 📣 Reino Unido · olga\n\n    ¡Hola a todos! La asamblea general" in out
    assert "[dm:farid] bot: 📣 المملكة المتحدة · olga\n\n    Hello everyone: the general" in out
    assert "[dm:olga] bot: 📣 United Kingdom · olga\n\n    Hello everyone: the general" in out
    assert "[dm:olga] bot: 📣 Broadcast #1 to United Kingdom is finished." in out
    assert "Delivered: 4 of 4." in out
