"""kill -9 during add never leaves a store that fails to verify; parallel adds form one chain."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from residentlog.integrity.verify import verify_store
from residentlog.ledger.store import Store


def _add_cmd(store: Path, summary: str, attach: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "residentlog", "--store", str(store), "add", "lift", summary]
    if attach is not None:
        cmd += ["--attach", str(attach)]
    return cmd


def _init(store: Path) -> None:
    subprocess.run([sys.executable, "-m", "residentlog", "init", str(store)], check=True, capture_output=True)


def test_kill_minus_nine_during_add_leaves_a_verifying_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _init(store)
    subprocess.run(_add_cmd(store, "first"), check=True, capture_output=True)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(os.urandom(3 << 20))  # big enough that some kills land mid-copy
    completed = 0
    # Kill at a spread of moments: during start-up, while the attachment is copied, while appending.
    delays = [0.05 * i for i in range(2, 14)] * 2
    for i, delay in enumerate(delays):
        proc = subprocess.Popen(
            _add_cmd(store, f"attempt {i}", photo), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        if proc.wait() == 0:
            completed += 1
        with Store.open(store) as s:
            report = verify_store(s)
            assert report.ok, (delay, report.findings)
    with Store.open(store) as s:
        assert s.size() >= 1 + completed
    # and the store still takes new entries afterwards, clearing the copies the kills cut short
    # once they are a minute old (no process holds them)
    for orphan in (store / "objects" / "tmp").glob("incoming-*"):
        os.utime(orphan, (time.time() - 120, time.time() - 120))
    subprocess.run(_add_cmd(store, "after the crashes", photo), check=True, capture_output=True)
    assert list((store / "objects" / "tmp").iterdir()) == []
    with Store.open(store) as s:
        assert verify_store(s).ok


def test_parallel_adds_all_land_in_one_chain(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _init(store)
    subprocess.run(_add_cmd(store, "first"), check=True, capture_output=True)
    procs = [
        subprocess.Popen(_add_cmd(store, f"parallel {i}"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for i in range(8)
    ]
    results = [(*p.communicate(), p.returncode) for p in procs]
    assert all(rc == 0 for _, _, rc in results), results
    numbers = sorted(int(out.split()[2]) for out, _, _ in results)
    assert numbers == list(range(2, 10))
    with Store.open(store) as s:
        report = verify_store(s)
        assert report.ok and report.size == 9


def test_a_fresh_or_held_temporary_file_is_never_removed(tmp_path: Path) -> None:
    from residentlog.fsutil import hold_lock, remove_orphans

    fresh, held, old = tmp_path / "fresh", tmp_path / "held", tmp_path / "old"
    for p in (fresh, held, old):
        p.write_bytes(b"x")
    long_ago = time.time() - 3600
    os.utime(held, (long_ago, long_ago))
    os.utime(old, (long_ago, long_ago))
    fd = os.open(held, os.O_RDONLY)
    try:
        hold_lock(fd)
        assert remove_orphans([fresh, held, old]) == [old]
    finally:
        os.close(fd)
    assert fresh.exists() and held.exists() and not old.exists()
