"""The pure core: what the bot knows and decides, with no I/O and no clock.

It imports only itself and bot.errors (tests/unit/test_architecture.py checks):
values (model, machine, texts, lexicon), reading a message (reading, matcher, amounts,
words), one turn (engine, answers, advice, render), reminder arithmetic (schedule),
time zones (zones), recurring cramps (recurrence), saying times (saying), and what the
code needs of the content (contract).
"""
