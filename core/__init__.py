"""iopsbot core: the platform-free heart of the bot.

Nothing under this package imports a chat platform's SDK; the adapters in ``bots/`` translate
between a platform and the model in :mod:`core.messaging`.
"""

__version__ = "0.1.0"
