"""``vpt server --workers N``: N worker processes sharing one listening socket.

The workers need the settings, with the store URL and so its password. They get them inside
uvicorn's configuration, which multiprocessing pickles and writes into the pipe each worker
is started with: nothing goes into the environment or onto the command line, where other
users (``/proc/PID/environ`` of a process they may read, ``ps``) and child processes would
find it. A worker that uvicorn starts again gets the same configuration the same way.
"""

from __future__ import annotations

import functools
from typing import Any

from .settings import ServerSettings


def serve_workers(settings: ServerSettings, **options: Any) -> None:
    """Serve with ``settings.workers`` processes; ``options`` are uvicorn's (host, port, ...)."""
    from uvicorn import Config
    from uvicorn.supervisors import Multiprocess

    from .app import create_app

    # uvicorn.run() takes only an import string for workers (it cannot carry settings);
    # Config accepts the factory itself, and Multiprocess pickles it for each worker.
    config = Config(functools.partial(create_app, settings), factory=True, workers=settings.workers, **options)
    socket = config.bind_socket()
    try:
        Multiprocess(config, sockets=[socket]).run()
    except KeyboardInterrupt:
        pass
    finally:
        socket.close()
