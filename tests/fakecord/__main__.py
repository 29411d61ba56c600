"""``python -m tests.fakecord``: run a fakecord until interrupted, printing one JSON line with its
address (port, api_base, gateway_url, token, and the world's ids with --world)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
import sys
from pathlib import Path

from .server import FakecordConfig, FakeDiscord


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fakecord", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=FakecordConfig.token)
    parser.add_argument("--state", type=Path, help="JSON file the world is loaded from and saved to")
    parser.add_argument("--world", action="store_true", help="create the ready-made newsroom guild")
    parser.add_argument(
        "--no-message-content",
        action="store_true",
        help="the app lacks the message-content privilege (IDENTIFY with it gets 4014)",
    )
    parser.add_argument("--interaction-deadline", type=float, default=3.0)
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    config = FakecordConfig(
        host=args.host,
        port=args.port,
        token=args.token,
        state_path=args.state,
        message_content_enabled=not args.no_message_content,
        interaction_deadline_s=args.interaction_deadline,
    )
    server = FakeDiscord(config)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        info = {
            "port": server.port,
            "api_base": server.api_base,
            "gateway_url": server.gateway_url,
            "token": server.token,
            "bot_id": server.bot_id,
        }
        if args.world:
            info["world"] = dataclasses.asdict(await server.build_world())
        print(json.dumps(info), flush=True)
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
