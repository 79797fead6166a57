"""No nervecentre process may leave a core dump: it may hold fetched media in memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="prctl is Linux's")

_PROBE = textwrap.dedent(
    """
    import resource, subprocess, sys
    from nervecentre.hashing.nodump import core_dumps_forbidden
    before = core_dumps_forbidden()
    sys.argv = ["nervecentre", "--help"]
    from nervecentre.cli.main import main
    try:
        main()
    except SystemExit:
        pass
    child = subprocess.run(
        [sys.executable, "-c", "import resource; print(resource.getrlimit(resource.RLIMIT_CORE))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    print("RESULT", before, core_dumps_forbidden(), child)
    """
)


def test_the_command_line_leaves_no_core_dump_nor_do_the_processes_it_starts() -> None:
    """The command line gives up core dumps before any command runs (before: it did not),
    and a process it starts afresh keeps the size limit of 0."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    result = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert result == ["RESULT False True (0, 0)"], done.stdout + done.stderr
