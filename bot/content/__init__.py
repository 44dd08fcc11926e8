"""The content: dialogues/ and data/ read into core values, and every check on them.

`load_library` (loading.py) reads every language; `python -m bot check` and every
start-up run the same checks, so broken content never reaches a person. Imports only
the core and bot.errors.
"""
