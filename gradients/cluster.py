"""Joining a Ray cluster, for the Ray backends of ``bandits`` and ``nethack_agent``.

Ray is optional (``pip install -e ".[ray]"``) and imported only inside ``connect_ray``; a
missing Ray, a malformed or unreachable address is one ``ValueError`` line naming the option.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

__all__ = ["RAY_INSTALL", "connect_ray"]

RAY_INSTALL = "pip install 'policy-companion[ray]' (or pip install 'ray>=2.9')"
"""The command that installs Ray for the ``ray`` backends."""


def connect_ray(address: str | None = None) -> Any:
    """Import Ray and connect to the cluster at ``address`` (None: start one on this machine).

    Args:
        address: ``host:port`` of a running cluster's head (``ray start --head`` prints it),
            ``auto`` for the one this machine belongs to, or None.

    Returns:
        The ``ray`` module, initialised.

    Raises:
        ValueError: Ray is not installed (with the command that installs it), or there is no
            cluster at ``address``.
    """
    try:
        import ray
    except ImportError:
        raise ValueError(
            f"--backend ray needs Ray, which is not installed: {RAY_INSTALL}"
        ) from None
    if address not in (None, "auto"):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"--address must be HOST:PORT of a Ray head node, got {address!r}")
        try:
            socket.create_connection((host, int(port)), timeout=5).close()
        except OSError as error:
            raise ValueError(
                f"--address {address}: no Ray cluster answers there ({error})"
            ) from None
    if ray.is_initialized():
        return ray
    try:
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,  # no "Started a local Ray instance." on stderr
        )
    except (ConnectionError, RuntimeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ValueError(
            f"--address {address}: cannot join the Ray cluster ({first_line})"
        ) from None
    return ray
