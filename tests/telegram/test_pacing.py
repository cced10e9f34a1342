"""The pacer on a simulated clock: per-chat windows, the overall window, holds after 429."""

import asyncio

from bots.telegram.pacing import FloodLimits, Pacer, Rate, is_private_chat


class SimClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


async def sends(pacer: Pacer, clock: SimClock, chat: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        async with pacer.lane(chat) as lane, lane.send():
            times.append(clock.now)
    return times


def test_private_chats_have_positive_ids() -> None:
    assert is_private_chat("12345") and not is_private_chat("-100123")


async def test_one_a_second_in_a_private_chat() -> None:
    clock = SimClock()
    pacer = Pacer(FloodLimits(margin=0.0), clock=clock, sleep=clock.sleep)
    assert await sends(pacer, clock, "1", 3) == [0.0, 1.0, 2.0]


async def test_twenty_a_minute_in_a_group() -> None:
    clock = SimClock()
    pacer = Pacer(FloodLimits(margin=0.0), clock=clock, sleep=clock.sleep)
    times = await sends(pacer, clock, "-100", 22)
    assert times[:20] == [float(n) for n in range(20)]
    assert times[20:] == [60.0, 61.0]


async def test_a_hold_delays_only_its_chat() -> None:
    clock = SimClock()
    pacer = Pacer(FloodLimits(margin=0.0), clock=clock, sleep=clock.sleep)
    async with pacer.lane("-1") as lane:
        lane.hold(30)
    assert await sends(pacer, clock, "2", 1) == [0.0]
    assert await sends(pacer, clock, "-1", 1) == [30.0]


async def test_overall_window() -> None:
    clock = SimClock()
    limits = FloodLimits(overall=Rate(3, 1.0), margin=0.0)
    pacer = Pacer(limits, clock=clock, sleep=clock.sleep)
    times = [t for chat in ("1", "2", "3", "4", "5") for t in await sends(pacer, clock, chat, 1)]
    assert times == [0.0, 0.0, 0.0, 1.0, 1.0]
