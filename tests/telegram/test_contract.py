"""The fake server's contract checks catch what a real Bot API would refuse."""

from tests.services.telegram_api.spec import Spec, Upload

SPEC = Spec()


def test_a_good_call_passes() -> None:
    markup = '{"inline_keyboard": [[{"text": "Yes", "callback_data": "abc"}]]}'
    assert (
        SPEC.check_call("sendMessage", {"chat_id": "-100", "text": "Hi", "reply_markup": markup})
        == []
    )
    assert SPEC.check_call("sendPhoto", {"chat_id": "5", "photo": Upload("c.png", b"x")}) == []


def test_violations_are_found() -> None:
    def problems(method: str, **params: str | Upload) -> str:
        found = SPEC.check_call(method, params)
        assert found, f"{method} {params} passed"
        return " ".join(found)

    assert "no such Bot API method" in problems("sendMesage", chat_id="1", text="x")
    assert "required field text missing" in problems("sendMessage", chat_id="1")
    assert "unknown field colour" in problems("sendMessage", chat_id="1", text="x", colour="red")
    assert "Integer" in problems("sendMessage", chat_id="1", text="x", message_thread_id="one")
    assert "4097 > 4096" in problems("sendMessage", chat_id="1", text="x" * 4097)
    assert "empty" in problems("sendMessage", chat_id="1", text="  ")
    assert "1025 > 1024" in problems("sendPhoto", chat_id="1", photo="file-id", caption="c" * 1025)
    assert "201 > 200" in problems("answerCallbackQuery", callback_query_id="q", text="t" * 201)
    long_data = '{"inline_keyboard": [[{"text": "Yes", "callback_data": "%s"}]]}' % ("d" * 65)
    assert "65 bytes" in problems("sendMessage", chat_id="1", text="x", reply_markup=long_data)
    no_action = '{"inline_keyboard": [[{"text": "Yes"}]]}'
    assert "exactly one action" in problems(
        "sendMessage", chat_id="1", text="x", reply_markup=no_action
    )
    assert "not JSON" in problems("sendMessage", chat_id="1", text="x", reply_markup="{oops")
    bad_type = '{"inline_keyboard": [[{"text": 5, "callback_data": "a"}]]}'
    assert "none of" in problems("sendMessage", chat_id="1", text="x", reply_markup=bad_type)
    assert "file where" in problems("sendMessage", chat_id="1", text=Upload("a", b""))
