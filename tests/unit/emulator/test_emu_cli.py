"""The command line: python -m emulator."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from emulator.cli import parse_fleet

TESTS_DIR = Path(__file__).resolve().parents[2]


def test_parse_fleet_specs(tmp_path: Path) -> None:
    assert len(parse_fleet("demo").ecs_events) == 7
    fleet = parse_fleet("generate:ecs=20,instances=5,regions=2,modelarts=4,seed=3")
    assert len(fleet.ecs_events) == 20 and len(fleet.modelarts_events) == 4
    assert list(fleet.regions) == ["cn-north-4", "cn-east-3"]
    assert list(parse_fleet("generate:ecs=1,regions=eu-west-101+la-south-2").regions) == ["eu-west-101", "la-south-2"]
    path = tmp_path / "f.json"
    path.write_text('{"regions": {"cn-north-4": null}}', encoding="utf-8")
    assert list(parse_fleet(str(path)).regions) == ["cn-north-4"]
    with pytest.raises(ValueError):
        parse_fleet("generate:ecs=1,colour=red")


def wait_for(path: Path, process: subprocess.Popen[str], seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text(encoding="utf-8")
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError(f"{path} was not written")


def test_cli_serves_until_sigterm(tmp_path: Path) -> None:
    url_file, pid_file = tmp_path / "run" / "emulator.url", tmp_path / "run" / "emulator.pid"
    env = {**os.environ, "PYTHONPATH": str(TESTS_DIR)}
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--fleet", "generate:ecs=30,instances=10,regions=2,modelarts=3",
         "--latency-ms", "5", "--port", "0", "--url-file", str(url_file), "--pid-file", str(pid_file),
         "--ecs-last-page", "repeat", "--max-skew", "120"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = wait_for(url_file, process)
        assert url.startswith("http://127.0.0.1:") and not url.endswith("\n")
        assert pid_file.read_text(encoding="utf-8") == str(process.pid)
        config = requests.get(f"{url}/_emulator/config", timeout=5).json()
        assert config == {**config, "latency": 0.005, "ecs_last_page": "repeat", "max_skew": 120}
        assert set(requests.get(f"{url}/_emulator/regions", timeout=5).json()) == {"cn-north-4", "cn-east-3"}
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert stdout.strip() == f"emulator listening on {url}"
    assert not url_file.exists() and not pid_file.exists()


def test_cli_rejects_a_missing_fleet_file(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(TESTS_DIR)}
    result = subprocess.run([sys.executable, "-m", "emulator", "--fleet", str(tmp_path / "none.yml")],
                            env=env, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and "cannot load fleet" in result.stderr
