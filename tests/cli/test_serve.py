"""`nervecentre serve` with several processes: they all answer, share the login throttle,
and stop together on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc (Linux)")
def test_two_server_processes_answer_and_stop_together(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "NERVECENTRE_DATA_DIR": str(tmp_path / "data"),
        "NERVECENTRE_DATABASE_URL": f"sqlite:///{tmp_path / 'nc.db'}",
        "NERVECENTRE_LOGIN_IP_MAX_FAILURES": "4",
    }
    command = [sys.executable, "-m", "nervecentre", "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.communicate()[0]
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.3)
        # uvicorn's supervisor and its two workers (besides its multiprocessing helper).
        assert len(_children(server.pid)) >= 2
        # Failed sign-ins land on whichever process answers; the throttle counts them all.
        with httpx.Client(base_url=url, timeout=10) as client:
            codes = []
            for i in range(6):
                page = client.get("/login")
                token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                data = {"username": f"nobody{i}", "password": "wrong password", "csrf_token": token}
                codes.append(client.post("/login", data=data).status_code)
        assert codes[:4] == [401] * 4 and codes[4:] == [429, 429], codes
    finally:
        server.send_signal(signal.SIGINT)
        try:
            output = server.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert server.returncode == 0, output
    assert "2 processes" in output


def test_a_port_already_taken_is_a_clear_error_not_a_shared_one(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "NERVECENTRE_DATA_DIR": str(tmp_path / "data"),
        "NERVECENTRE_DATABASE_URL": f"sqlite:///{tmp_path / 'nc.db'}",
    }
    with socket.socket() as taken:
        # Another server on the port, even one that would share it (SO_REUSEPORT).
        if hasattr(socket, "SO_REUSEPORT"):
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "nervecentre",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stdout + done.stderr
