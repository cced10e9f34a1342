"""Counting methods: pure functions from ballots to an :class:`~.types.Outcome`.

=============  ==========================================  ===============================
module         function                                    ballot
=============  ==========================================  ===============================
majority       ``count(ballots, threshold)``               ``(Choice, weight)``
plurality      ``count(candidates, ballots, seed=)``       ``(index, weight)``
approval       ``count(candidates, ballots, seed=)``       ``(indices, weight)``
score          ``count(candidates, ballots, seed=)``       ``(scores 0-5 per option, weight)``
irv            ``count(profile, seed=)``                   :class:`~.types.RankedProfile`
stv            ``count(profile, seats, rules=, seed=)``    :class:`~.types.RankedProfile`
schulze        ``count(profile, seed=)``                   :class:`~.types.RankedProfile`
consensus      ``count(ballots, threshold, consent=)``     ``(Stance, weight, reason)``
timeslots      ``count(slots, ballots, seed=)``            ``(Availability per slot, weight)``
=============  ==========================================  ===============================

Ties are broken by earlier-round totals where the method has rounds, then by a seeded lot
(:func:`.ties.lot`) whose seed is recorded in the outcome.
"""
