"""Start Splash 3.5 with the three run-time fixes it needs on Python 3.11.

Run it with the Python of the Splash virtualenv that ``deploy/install-splash.sh`` makes (Debian's
``/usr/bin/python3`` with ``--system-site-packages``, so Debian's PyQt5 is visible)::

    .venv-splash/bin/python -m newsbot.runtime.splash_server --port 8050 [any Splash option]

It listens on 127.0.0.1 unless ``--ip`` is given. Stop it with SIGTERM (Splash then stops its own
Xvfb; SIGKILL leaves the Xvfb running). No installed file is edited; each fix patches one name
at run time, before ``splash.server.main()`` starts:

1. ``splash/render_options.py`` calls ``json.loads(..., encoding=...)``, which Python 3.9 removed:
   every POST with a JSON body (how scrapy-splash talks) answers 500. Its ``json`` is given a
   ``loads`` that drops ``encoding``.
2. Splash passes float milliseconds to ``QTimer.start`` (``splash:wait(0.5)`` in Lua, render
   timeouts), which PyQt5 on Python 3.10+ refuses. ``QTimer.start`` rounds them.
3. Current lupa wheels default to Lua 5.4, where ``require`` returns two values and every Lua
   request fails (``'LuaRender' object has no attribute 'splash'``). Splash was written for
   Lua 5.2: ``import lupa`` is made to give ``lupa.lua52``.

This module imports nothing from newsbot or Scrapy: it runs in Splash's virtualenv, not the
project's.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any

logger = logging.getLogger(__name__)

#: Splash listens here unless the command line says ``--ip``.
DEFAULT_IP = "127.0.0.1"


def _loads_without_encoding(text: str | bytes, *args: Any, **kwargs: Any) -> Any:
    """``json.loads`` that accepts (and ignores) the ``encoding`` argument Python 3.9 dropped."""
    kwargs.pop("encoding", None)
    return json.loads(text, *args, **kwargs)


def patch_json() -> None:
    """Fix 1: ``splash.render_options`` sees a ``json`` whose ``loads`` takes ``encoding=``."""
    from splash import render_options

    shim = types.ModuleType("json")
    shim.__dict__.update(json.__dict__)
    shim.loads = _loads_without_encoding  # type: ignore[attr-defined]
    render_options.json = shim


def _int_ms(start: Callable[..., Any]) -> Callable[..., Any]:
    def start_int(self: Any, *args: Any) -> Any:
        return start(self, *(round(a) if isinstance(a, float) else a for a in args))

    start_int.__doc__ = (
        "QTimer.start with float milliseconds rounded (newsbot.runtime.splash_server)."
    )
    return start_int


def patch_qtimer() -> None:
    """Fix 2: ``QTimer.start(msec)`` accepts float milliseconds (rounded to int)."""
    from PyQt5.QtCore import QTimer

    if not getattr(QTimer.start, "_newsbot_int_ms", False):
        start = _int_ms(QTimer.start)
        start._newsbot_int_ms = True  # type: ignore[attr-defined]
        QTimer.start = start


def patch_lupa() -> None:
    """Fix 3: ``import lupa`` (in splash.lua, lua_runner, qtrender_lua) gives Lua 5.2."""
    import lupa.lua52

    sys.modules["lupa"] = lupa.lua52


def splash_argv(argv: Sequence[str]) -> list[str]:
    """Splash's command line: ours, with ``--ip 127.0.0.1`` unless an address was given."""
    args = list(argv)
    if not any(a == "--ip" or a.startswith("--ip=") for a in args):
        args += ["--ip", DEFAULT_IP]
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Apply the fixes, then hand the command line to ``splash.server.main``."""
    args = splash_argv(sys.argv[1:] if argv is None else argv)
    # QtWebEngine (imported by splash/qtutils.py even for the WebKit engine) refuses to start
    # as root with its sandbox on.
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    patch_lupa()  # before anything imports lupa
    patch_json()
    patch_qtimer()
    from splash import server

    server.main(argv=["splash", *args])


if __name__ == "__main__":
    main()
