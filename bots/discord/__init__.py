"""The Discord adapter: slash commands, buttons, select menus, modals and DMs (discord.py)."""
