"""The console chat: the whole bot in a terminal, or driven by a script."""
