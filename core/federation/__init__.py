"""The federation: branches and the chats linked to them."""
