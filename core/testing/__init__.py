"""Test helpers shipped with the core: a fake platform, a fake clock, scenarios."""

from core.testing.fake_clock import FakeClock
from core.testing.fake_messenger import FULL, TEXT_ONLY, FakeMessenger, Posted, direct_chat_id
from core.testing.scenario import DEMO_ORGANISATION, Person, Scenario, sqlite_url

__all__ = [
    "DEMO_ORGANISATION",
    "FULL",
    "TEXT_ONLY",
    "FakeClock",
    "FakeMessenger",
    "Person",
    "Posted",
    "Scenario",
    "direct_chat_id",
    "sqlite_url",
]
