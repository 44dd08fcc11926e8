"""`python -m bot run` with python-telegram-bot's rate limiter off, for bench/bench_scale.py.

    python -m bench.limiter_off        the same settings (environment), start-up, webhook,
                                       inbox, outbox, logging and exit codes as
                                       `python -m bot run`

The only difference: Delivery.messages_per_second is 0 instead of Telegram's 30. No
setting (environment variable) can change it; bot/app.py's `serve` builds the adapter with
Delivery() and only code passes another (bot/app.py `telegram(delivery=...)`). Left at
30, a benchmark of updates per second would measure AIORateLimiter, not the processes:
each process may send 30 messages a second, so two processes "scale" 2x by construction.
This is a benchmark seam, not a way to run the bot.
"""

from __future__ import annotations

import sys
from functools import partial

from bot.__main__ import main
from bot.channels.telegram import application
from bot.channels.telegram.requests import Delivery

if __name__ == "__main__":
    # build_application reads the name `Delivery` in its module when no delivery is passed.
    setattr(application, "Delivery", partial(Delivery, messages_per_second=0))  # noqa: B010
    sys.exit(main(["run"]))
