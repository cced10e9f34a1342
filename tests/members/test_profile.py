"""/profile: see and edit language, time zone, bio, photo; move chapter with approval."""

from __future__ import annotations

from sqlalchemy import func, select

from core.federation.models import Branch
from core.members.models import AwaitedText, ChapterMove, Member, Role
from core.messaging.actions import Action
from core.messaging.inbound import ChatKind, ChatRef, PhotoReceived
from core.testing import Scenario

HACKNEY = "london-hackney"
LAVAPIES = "madrid-lavapies"
NOT_A_COMMAND = "I answer to commands. Send /help to see what you can do here."


async def member_named(sc: Scenario, name: str) -> Member:
    async with sc.app.db.sessions() as session:
        return (await session.scalars(select(Member).where(Member.display_name == name))).one()


async def chapter_of(sc: Scenario, name: str) -> str | None:
    async with sc.app.db.sessions() as session:
        member = (await session.scalars(select(Member).where(Member.display_name == name))).one()
        if member.chapter_id is None:
            return None
        return (await session.get(Branch, member.chapter_id)).slug


def press_data(sc: Scenario, kind: str, *args: str) -> str:
    return sc.app.services.signer.encode(Action(kind, args))


async def test_profile_shows_everything_with_a_button_for_each(lite: Scenario) -> None:
    sc = lite
    zoe = sc.person("zoe")
    await sc.enrol(zoe, HACKNEY)
    [profile] = await zoe.says("/profile")
    assert profile.text == (
        "Your profile\n\n"
        "Name: Zoe\n"
        "Language: English\n"
        "Time zone: not set (your chapter's is Europe/London)\n"
        "Chapter: London – Hackney\n"
        "Bio: not set\n"
        "Photo: not set"
    )
    assert profile.labels == [
        "Language",
        "Time zone",
        "Edit bio",
        "Change photo",
        "Change chapter",
    ]
    [refused] = await zoe.says("/profile", chat=await sc.group("hackney", HACKNEY))
    assert refused.text == "You can't use /profile here."


async def test_time_zone_by_button_or_by_name(lite: Scenario) -> None:
    sc = lite
    ana = sc.person("ana")
    await sc.enrol(ana, LAVAPIES)
    await ana.says("/profile")
    [ask] = await ana.presses("Time zone")
    assert ask.text.startswith("Which time zone are you in? Choose one, or send its name")
    # The chapter's zone first, then the other zones of its country.
    assert ask.labels == ["Europe/Madrid", "Africa/Ceuta", "Atlantic/Canary", "Cancel"]
    [done] = await ana.presses("Atlantic/Canary")
    assert done.text == "Your time zone is now Atlantic/Canary."

    await ana.presses("Time zone")
    [unknown] = await ana.says("Mars/Olympus_Mons")
    assert unknown.text == (
        "I don't know the time zone “Mars/Olympus_Mons”. Send a name like Europe/Madrid, "
        "or press Cancel."
    )
    [tried_path] = await ana.says("../../etc/passwd")
    assert tried_path.text.startswith("I don't know the time zone")
    [typed] = await ana.says("america/sao paulo")  # the question is still open
    assert typed.text == "Your time zone is now America/Sao_Paulo."
    [after] = await ana.says("Europe/Paris")  # answered: the next text is no answer
    assert after.text == NOT_A_COMMAND
    assert (await member_named(sc, "Ana")).timezone == "America/Sao_Paulo"
    [profile] = await ana.says("/profile")
    assert "Time zone: America/Sao_Paulo" in profile.text


async def test_bio_is_limited_kept_as_given_and_removable(lite: Scenario) -> None:
    sc = lite
    zoe = sc.person("zoe")
    await zoe.says("/profile")
    [ask] = await zoe.presses("Edit bio")
    assert ask.text == ("Send me your new bio: a few words about yourself, up to 500 characters.")
    assert ask.labels == ["Cancel"]
    [too_long] = await zoe.says("x" * 501)
    assert too_long.text == (
        "That bio has 501 characters; the most is 500. Please send a shorter one."
    )
    bio = "I grow *radishes* <b>on</b> balconies @everyone"
    [saved] = await zoe.says(f"  {bio} ")
    assert saved.text == "Your bio is saved."
    assert (await member_named(sc, "Zoe")).bio == bio  # as given; adapters escape it
    [profile] = await zoe.says("/profile")
    assert f"Bio: {bio}" in profile.text

    [ask] = await zoe.presses("Edit bio")
    assert ask.labels == ["Remove my bio", "Cancel"]
    [removed] = await zoe.presses("Remove my bio")
    assert removed.text == "Your bio is removed."
    assert (await member_named(sc, "Zoe")).bio is None
    [stale] = await zoe.presses("Remove my bio")  # an old button, pressed again
    assert stale.text == "You have no bio to remove."


async def test_cancel_stale_questions_and_forged_buttons(lite: Scenario) -> None:
    sc = lite
    zoe = sc.person("zoe")
    await zoe.says("/profile")
    await zoe.presses("Edit bio")
    [cancelled] = await zoe.presses("Cancel")
    assert cancelled.text == "Cancelled: nothing was changed."
    [again] = await zoe.presses("Cancel")
    assert again.text == "There is nothing to cancel."
    [text] = await zoe.says("Just saying hello")
    assert text.text == NOT_A_COMMAND

    # A question left unanswered lapses: a message hours later is not taken as the answer.
    await zoe.presses("Edit bio")
    sc.clock.advance(hours=2)
    [late] = await zoe.says("What is on tonight?")
    assert late.text == NOT_A_COMMAND
    assert (await member_named(sc, "Zoe")).bio is None
    async with sc.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AwaitedText)) == 0

    invalid = "That button is not valid (it may be out of date). Please start again."
    for data in (
        press_data(sc, "prf", "nickname"),
        press_data(sc, "prf"),
        press_data(sc, "ptz", "Mars.Olympus"),
        press_data(sc, "ptz", "Europe.London", "extra"),
        press_data(sc, "pmv", "abc"),
        press_data(sc, "pmv", "99999"),
        "prf:bio",  # unsigned
    ):
        [reply] = await zoe.presses_data(data)
        assert reply.text in (
            invalid,
            "That chapter no longer exists. Send /profile to choose another.",
        )
    assert (await member_named(sc, "Zoe")).timezone is None


async def test_language_button_opens_the_language_menu(lite: Scenario) -> None:
    zoe = lite.person("zoe")
    await zoe.says("/profile")
    [menu] = await zoe.presses("Language")
    assert menu.text == "Choose your language:"
    assert "Español" in menu.labels
    [done] = await zoe.presses("Español")
    assert done.text == "A partir de ahora te hablaré en Español."


def photo(person, file_id: str = "", mime: str | None = None, data: bytes | None = None):
    return PhotoReceived(
        platform=person.platform,
        sender=person._sender(),
        chat=ChatRef(person.dm, ChatKind.PRIVATE),
        update_id=person.scenario.next_update_id(),
        file_id=file_id,
        mime_type=mime,
        data=data,
    )


async def test_photo_is_asked_for_checked_saved_and_removed(lite: Scenario) -> None:
    sc = lite
    zoe = sc.person("zoe")
    [unasked] = await zoe.send(photo(zoe, "file-000", "image/jpeg"))
    assert unasked.text == NOT_A_COMMAND
    await zoe.says("/profile")
    [ask] = await zoe.presses("Change photo")
    assert ask.text == "Send me the photo for your profile (a JPEG, PNG or WebP image)."
    [words] = await zoe.says("here it comes")
    assert words.text == "Please send a picture, or press Cancel."
    [pdf] = await zoe.send(photo(zoe, "file-001", "application/pdf"))
    assert pdf.text == "That is not a photo I can use. Please send a JPEG, PNG or WebP image."
    [renamed] = await zoe.send(photo(zoe, "", "image/png", b"%PDF-1.7 not an image"))
    assert renamed.text == pdf.text
    [saved] = await zoe.send(photo(zoe, "file-123", "image/jpeg"))
    assert saved.text == "Your photo is saved."
    member = await member_named(sc, "Zoe")
    assert (member.photo_platform, member.photo_ref, member.photo_mime) == (
        "fake",
        "file-123",
        "image/jpeg",
    )
    [profile] = await zoe.says("/profile")
    assert "Photo: set" in profile.text
    assert profile.labels == [
        "Language",
        "Time zone",
        "Edit bio",
        "Change photo",
        "Remove photo",
        "Change chapter",
    ]
    [removed] = await zoe.presses("Remove photo")
    assert removed.text == "Your photo is removed."
    member = await member_named(sc, "Zoe")
    assert (member.photo_platform, member.photo_ref, member.photo_data) == (None, None, None)
    [stale] = await zoe.presses("Remove photo")
    assert stale.text == "You have no photo to remove."


async def test_profile_without_buttons_is_numbered(lite: Scenario) -> None:
    sc = lite
    pat = sc.person("pat", platform="plain")
    await sc.enrol(pat, HACKNEY)
    [profile] = await pat.says("/profile")
    assert profile.message.buttons == ()
    # No "Change photo": people cannot send pictures on this platform.
    assert "1. Language\n2. Time zone\n3. Edit bio\n4. Change chapter" in profile.text
    [ask] = await pat.says("2")
    assert "1. Europe/London\n2. Cancel" in ask.text
    [done] = await pat.says("1")
    assert done.text == "Your time zone is now Europe/London."


async def test_moving_chapter_is_a_request_the_organisers_decide(sc: Scenario) -> None:
    zoe = sc.person("zoe")
    olga = sc.person("olga")  # organises Lavapiés
    sergio = sc.person("sergio", platform="plain")  # organises Spain, above it
    hugo = sc.person("hugo")  # organises Hackney: not asked about Lavapiés
    await sc.enrol(zoe, HACKNEY)
    await sc.enrol(olga, LAVAPIES, Role.ORGANISER)
    await sc.enrol(sergio, "spain", Role.ORGANISER)
    await sc.enrol(hugo, HACKNEY, Role.ORGANISER)
    await zoe.says("/profile")
    [ask] = await zoe.presses("Change chapter")
    assert ask.text.startswith("Which chapter do you want to move to? Send its name")
    [short] = await zoe.says("a")
    assert short.text == "Please send at least two letters of the chapter's name."
    [none] = await zoe.says("Atlantis")
    assert none.text == "No chapter matches “Atlantis”. Try another name, or press Cancel."
    [london] = await zoe.says("london")
    assert london.labels == ["London – Brixton", "London – Hackney", "Cancel"]
    [found] = await zoe.says("lavapies")  # without the accent
    assert found.labels == ["Madrid – Lavapiés", "Cancel"]
    posted = await zoe.presses("Madrid – Lavapiés")
    [asked] = [p for p in posted if p.chat_id == zoe.dm]
    assert asked.text == (
        "I have asked the organisers of Madrid – Lavapiés. I will tell you when they decide."
    )
    [to_olga] = sc.messenger("fake").in_chat(olga.dm)
    assert to_olga.text == "Zoe asks to move from London – Hackney to Madrid – Lavapiés."
    assert to_olga.labels == ["Approve", "Decline"]
    [to_sergio] = sc.messenger("plain").in_chat(sergio.dm)
    assert to_sergio.text.startswith("Zoe asks to move from London – Hackney")
    assert "1. Approve\n2. Decline" in to_sergio.text
    assert sc.messenger("fake").in_chat(hugo.dm) == []
    [profile] = await zoe.says("/profile")
    assert "Chapter: London – Hackney" in profile.text
    assert "Waiting for the organisers: move to Madrid – Lavapiés" in profile.text

    # Someone who is not an organiser there cannot decide, even with the right button data.
    async with sc.app.db.sessions() as session:
        request = (await session.scalars(select(ChapterMove))).one()
    [not_theirs] = await hugo.presses_data(press_data(sc, "pma", str(request.id)))
    assert not_theirs.text == "Only organisers of Madrid – Lavapiés can decide on this request."
    [own] = await zoe.presses_data(press_data(sc, "pma", str(request.id)))
    assert own.text == "You can't decide on your own request."

    posted = await olga.presses("Approve")
    [approved] = [p for p in posted if p.chat_id == olga.dm]
    assert approved.text == "Approved: Zoe is now a member of Madrid – Lavapiés."
    assert sc.messenger("fake").in_chat(zoe.dm)[-1].text == (
        "The organisers approved your request: welcome to Madrid – Lavapiés!"
    )
    assert await chapter_of(sc, "Zoe") == LAVAPIES
    [late] = await sergio.says("1")  # the other organiser's buttons are now stale
    assert late.text == "This request was already decided or withdrawn."


async def test_declined_moves_and_chapters_nobody_can_approve(lite: Scenario) -> None:
    sc = lite
    zoe = sc.person("zoe")
    olga = sc.person("olga")
    await sc.enrol(zoe, HACKNEY)
    await sc.enrol(olga, LAVAPIES, Role.ORGANISER)
    await zoe.says("/profile")
    await zoe.presses("Change chapter")
    await zoe.says("Brixton")
    [nobody] = await zoe.presses("London – Brixton")
    assert nobody.text == (
        "No organiser of London – Brixton can be reached through me yet, so I can't send "
        "your request. Please ask in the chapter's chat."
    )
    async with sc.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ChapterMove)) == 0
    [same] = await zoe.presses_data(
        press_data(sc, "pmv", str((await member_named(sc, "Zoe")).chapter_id))
    )
    assert same.text == "You are already a member of London – Hackney."

    await zoe.says("Lavapies")
    await zoe.presses("Madrid – Lavapiés")
    posted = await olga.presses("Decline")
    [declined] = [p for p in posted if p.chat_id == olga.dm]
    assert declined.text == "Declined: Zoe stays where they are."
    assert sc.messenger().in_chat(zoe.dm)[-1].text == (
        "The organisers of Madrid – Lavapiés declined your request to move there. You can "
        "ask them in the chapter's chat."
    )
    assert await chapter_of(sc, "Zoe") == HACKNEY
    [twice] = await olga.presses("Approve")
    assert twice.text == "This request was already decided or withdrawn."
