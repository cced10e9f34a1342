"""Broadcasts: one announcement to a branch and every branch below it.

Each member gets it once, in their language, at each platform's pace (see :mod:`.runner`).
"""
