"""A local SMTP catcher for `make run`: every email the demo sends lands in a maildir.

`python -m board.notifications.catcher --port 1025 --mailbox instance/caught-mail` listens on
127.0.0.1 (aiosmtpd) and stores each message; coordinators read them on the caught-mail page.
"""

import argparse
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


def start_catcher(mailbox: Path, port: int, host: str = "127.0.0.1") -> Controller:
    """Start an SMTP server on `host:port` that stores every message in the maildir."""
    for part in ("tmp", "new", "cur"):  # a maildir's three folders
        (mailbox / part).mkdir(parents=True, exist_ok=True)
    controller = Controller(Mailbox(str(mailbox)), hostname=host, port=port)
    controller.start()
    return controller


def main() -> None:
    """Run the catcher until interrupted, saying where mail goes and where to read it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--mailbox", type=Path, default=Path("instance/caught-mail"))
    parser.add_argument("--page", default="http://127.0.0.1:5000/notifications/caught-mail")
    options = parser.parse_args()
    controller = start_catcher(options.mailbox, options.port)
    print(
        f"Mail catcher: SMTP on 127.0.0.1:{options.port}, mail kept in {options.mailbox}; "
        f"read it at {options.page} (signed in as a coordinator).",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
