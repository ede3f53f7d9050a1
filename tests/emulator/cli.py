"""Command line: ``PYTHONPATH=tests python -m emulator --fleet demo ...``."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Optional, Sequence

from .auth import DEFAULT_MAX_SKEW
from .ecs import LAST_PAGE_MODES
from .fleet import Fleet
from .server import Emulator

# Used when "generate:...,regions=N" gives a number of regions instead of names.
REGION_NAMES = ("cn-north-4", "cn-east-3", "ap-southeast-1", "cn-south-1", "ap-southeast-3",
                "cn-north-9", "cn-east-2", "ap-southeast-2", "cn-southwest-2", "af-south-1")
_GENERATE_KEYS = {"ecs": "ecs_events", "instances": "instances", "modelarts": "modelarts_events",
                  "seed": "seed", "regions": "regions"}


def parse_fleet(spec: str) -> Fleet:
    """``demo`` | a YAML/JSON path | ``generate:ecs=N,instances=M,regions=R,modelarts=K[,seed=S]``.

    ``regions`` is a count (the first R of REGION_NAMES) or names joined by ``+``.
    """
    if spec == "demo":
        return Fleet.demo()
    if spec == "generate" or spec.startswith("generate:"):
        return Fleet.generate(**_generate_args(spec.partition(":")[2]))
    return Fleet.load(spec)


def _generate_args(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or key not in _GENERATE_KEYS:
            raise ValueError(f"bad generate option {item!r}; keys: {', '.join(_GENERATE_KEYS)}")
        if key == "regions":
            args["regions"] = (list(REGION_NAMES[: int(value)]) if value.isdigit()
                               else [r for r in value.split("+") if r])
        else:
            args[_GENERATE_KEYS[key]] = int(value)
    return args


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emulator",
                                     description="Huawei Cloud ECS/ModelArts scheduled-event API emulator")
    parser.add_argument("--fleet", default="demo",
                        help="demo | PATH (YAML/JSON) | generate:ecs=N,instances=M,regions=R,modelarts=K[,seed=S]")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every API request")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--url-file", type=Path, help="written with the URL once listening")
    parser.add_argument("--pid-file", type=Path, help="written with the process id")
    parser.add_argument("--ecs-last-page", choices=LAST_PAGE_MODES, default="absent",
                        help="next_marker on the last ECS page: absent, empty or repeat")
    parser.add_argument("--max-skew", type=float, default=DEFAULT_MAX_SKEW,
                        help="allowed X-Sdk-Date skew in seconds (default 900)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(message)s")
    try:
        fleet = parse_fleet(args.fleet)
    except (OSError, ValueError) as exc:
        print(f"emulator: cannot load fleet {args.fleet!r}: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, frame: stop.set())
    emu = Emulator(fleet=fleet, latency=args.latency_ms / 1000.0, host=args.host, port=args.port,
                   ecs_last_page=args.ecs_last_page, max_skew=args.max_skew, verbose=args.verbose)
    written: list[Path] = []
    with emu:
        if args.pid_file:
            written.append(_write(args.pid_file, str(os.getpid())))
        if args.url_file:
            written.append(_write(args.url_file, emu.url))
        print(f"emulator listening on {emu.url}", flush=True)
        while not stop.wait(0.5):
            pass
    for path in written:
        path.unlink(missing_ok=True)
    return 0


def _write(path: Path, text: str) -> Path:
    """Write atomically so readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
