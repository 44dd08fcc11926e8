"""The adapters that carry a conversation: Telegram (telegram/) and the terminal (console.py).

Each turns what arrives into Service.handle calls and renders the Outcome; neither holds
any of the conversation's logic. bot/app.py wires them to the service and the sweep.
"""
