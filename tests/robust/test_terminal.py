"""The console chat in a real terminal (a pseudo-terminal): no library banner, and Ctrl-C at the prompt
leaves at once with a goodbye. The one subprocess test here: only a real terminal shows both."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

STARTUP_S = 120.0
"""Generous: the child loads the embedding model before its first prompt."""


class Terminal:
    def __init__(self, fd: int, pid: int) -> None:
        self.fd, self.pid = fd, pid
        self.seen = ""

    def read_until(self, text: str, within_s: float) -> str:
        deadline = time.monotonic() + within_s
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} did not appear; the terminal shows:\n{self.seen[-3000:]}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"the chat ended before {text!r}:\n{self.seen[-3000:]}")
                self.seen += chunk.decode("utf-8", "replace")
        return self.seen

    def write(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait(self, within_s: float) -> int:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            select.select([self.fd], [], [], 0.05)  # drain what it prints meanwhile
            try:
                self.seen += os.read(self.fd, 65536).decode("utf-8", "replace")
            except OSError:
                pass
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError(f"the chat did not exit within {within_s} s:\n{self.seen[-3000:]}")


def _environment(data_dir: Path) -> dict[str, str]:
    # As a person's shell would have it: not under pytest or CI (pydantic-ai hides its banner there).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DISCORD_", "BOT_", "MEMORY", "PYTEST", "PYDANTIC_AI", "MEM0_"))
        and k not in ("CI", "LOG_LEVEL")
    }
    env.update({"MEMORYBOT_DATA_DIR": str(data_dir), "TERM": "xterm", "COLUMNS": "80", "LINES": "24"})
    return env


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_terminal_chat_has_no_banner_and_ctrl_c_says_goodbye(tmp_path: Path) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes memorybot
        os.chdir(tmp_path)
        os.execve(
            sys.executable,
            [sys.executable, "-m", "memorybot", "chat", "--user", "pat"],
            _environment(tmp_path / "d"),
        )
    terminal = Terminal(fd, pid)
    try:
        terminal.read_until("you> ", STARTUP_S)
        terminal.write("The Rust compiler got faster in this release\r")
        shown = terminal.read_until("tags:", 60.0)
        terminal.read_until("you> ", 30.0)
        assert "logfire" not in shown.lower() and "pydantic" not in shown.lower(), shown
        assert "Traceback" not in shown and "[info" not in shown

        started = time.monotonic()
        terminal.write("\x03")  # Ctrl-C, through the terminal's line discipline: SIGINT to the chat
        code = terminal.wait(15.0)
        assert time.monotonic() - started < 10.0
        assert code == 0, terminal.seen[-2000:]
        assert "Goodbye." in terminal.seen and "Traceback" not in terminal.seen
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
