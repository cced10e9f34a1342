"""The whole onboarding journey in the real console chat, driven as a subprocess."""

from __future__ import annotations

from pathlib import Path

from tests.test_console import console


def test_a_newcomer_joins_through_the_console_and_is_welcomed(tmp_path: Path) -> None:
    script = "\n".join(
        [
            ":as olga",
            ":join london-hackney organiser",
            ":chat london-hackney",
            ":as sam",
            "/start",
            ":press English",
            ":press I have read this and want to join",
            ":press United Kingdom",
            ":press London – Hackney",
            "Sam Okafor",
            "I cook for big groups.",
            ":press Skip",
            ":press Yes, Europe/London",
            "Cooking for meetings",
            ":press I agree",
            ":press Yes",
            ":press Send my application",
            ":time +49h",
            ":as olga",
            ":press Ask a question",
            "Which part of Hackney?",
            ":as sam",
            "Near London Fields",
            ":as olga",
            ":press Approve",
            ":as sam",
            "/join",
            ":quit",
        ]
    )
    out = console(tmp_path, script + "\n")
    assert (
        "> sam@dm:sam: /start\n"
        "[dm:sam] bot: Hello, sam! I am the assistant of International Organization for a "
        "Participatory Society.\n"
    ) in out
    assert "    [1] ✓ English  [2] Español" in out
    assert "[dm:sam] bot: Where do you live? Choose your country.\n" in out
    assert "[dm:sam] bot: You can't send me a photo from this chat, so let's skip this step." in out
    assert (
        "[dm:sam] bot: Please check your application:\n\n"
        "    Name: Sam Okafor\n"
        "    Country: United Kingdom\n"
        "    Chapter: London – Hackney\n"
        "    Bio: I cook for big groups.\n"
        "    Photo: —\n"
        "    Time zone: Europe/London\n"
        "    Language: English\n"
        "    Would like to help with: Cooking for meetings\n"
        "    Welcome in the chapter chat: Yes\n"
    ) in out
    assert "[dm:olga] bot: 📝 Sam Okafor would like to join London – Hackney.\n" in out
    assert "    [1] Approve  [2] Ask a question  [3] Decline\n" in out
    # 49 hours later, a reminder.
    assert "[dm:olga] bot: Reminder: this application has been waiting two days" in out
    assert (
        "[dm:sam] bot: olga, an organiser of London – Hackney, has a question about your "
        "application:\n\n    Which part of Hackney?\n"
    ) in out
    assert (
        "    Sam Okafor answers your question about application #1:\n\n    Near London Fields"
        in out
    )
    approved = out[out.index("> olga@dm:olga: :press Approve") :]
    assert "[dm:sam] bot: Welcome to London – Hackney! Your application is approved" in approved
    assert "[london-hackney] bot invites sam (:chat london-hackney to enter)\n" in approved
    assert (
        "[london-hackney] bot: Please welcome Sam Okafor, who has just joined London – "
        "Hackney! 👋\n"
    ) in approved
    assert "[dm:olga] bot (edited): Application #1 from Sam Okafor: approved by olga.\n" in approved
    assert "[dm:olga] bot: Done: Sam Okafor is now a member of London – Hackney.\n" in approved
    assert approved.endswith(
        "> sam@dm:sam: /join\n[dm:sam] bot: You are already a member of London – Hackney.\n"
        "> sam@dm:sam: :quit\n"
    )
