"""The Python recipes of docs/verify-by-hand.md, run as a reader would copy them, against every
RFC 9162 test vector in tests/data/rfc9162 (valid ones must pass, corrupted ones must fail,
and none may hang or crash), and against proofs residentlog makes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "rfc9162"
INCLUSION_FILES = sorted((DATA / "inclusion").rglob("*.json"))
CONSISTENCY_FILES = sorted((DATA / "consistency").rglob("*.json"))

# Runs in its own process: exec the recipe (not as __main__), then each vector under an alarm,
# so that a recipe that loops forever on one vector fails that vector instead of hanging.
DRIVER = r"""
import base64, json, signal, sys

recipe, kind, files = sys.argv[1], sys.argv[2], sys.argv[3:]
space = {"__name__": "recipe"}
exec(compile(open(recipe, encoding="utf-8").read(), recipe, "exec"), space)

class Hang(Exception):
    pass

def alarm(signum, frame):
    raise Hang()

signal.signal(signal.SIGALRM, alarm)

def b(text):
    return base64.b64decode(text or "")

out = {}
for name in files:
    v = json.load(open(name, encoding="utf-8"))
    path = [b(p) for p in v["proof"] or []]
    signal.alarm(2)
    try:
        if kind == "inclusion":
            got = space["verify_inclusion"](b(v["leafHash"]), v["leafIdx"], v["treeSize"], path, b(v["root"]))
        else:
            got = space["verify_consistency"](v["size1"], v["size2"], b(v["root1"]), b(v["root2"]), path)
        out[name] = got if isinstance(got, bool) else repr(got)
    except Hang:
        out[name] = "hang"
    except Exception as exc:
        out[name] = f"crash: {type(exc).__name__}: {exc}"
    finally:
        signal.alarm(0)
print(json.dumps(out))
"""


def python_blocks() -> list[str]:
    text = (ROOT / "docs" / "verify-by-hand.md").read_text(encoding="utf-8")
    return [part.split("```", 1)[0] for part in text.split("```python\n")[1:]]


def run_vectors(tmp_path: Path, recipe: str, kind: str, files: list[Path]) -> dict[str, object]:
    (tmp_path / "recipe.py").write_text(recipe, encoding="utf-8")
    (tmp_path / "driver.py").write_text(DRIVER, encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "driver.py", "recipe.py", kind, *map(str, files)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    results: dict[str, object] = json.loads(r.stdout)
    return results


def test_the_page_has_the_two_recipes() -> None:
    inclusion, consistency = python_blocks()
    assert "def verify_inclusion(leaf, index, size, path, root):" in inclusion
    assert "def verify_consistency(size1, size2, root1, root2, path):" in consistency
    assert "if sn == 0: break" not in inclusion + consistency
    assert len(INCLUSION_FILES) == 98 and len(CONSISTENCY_FILES) == 98


@pytest.mark.parametrize(
    ("kind", "which", "files"),
    [("inclusion", 0, INCLUSION_FILES), ("consistency", 1, CONSISTENCY_FILES)],
)
def test_recipe_against_every_rfc9162_vector(
    kind: str, which: int, files: list[Path], tmp_path: Path
) -> None:
    results = run_vectors(tmp_path, python_blocks()[which], kind, files)
    wrong = {}
    for path in files:
        v = json.loads(path.read_text(encoding="utf-8"))
        want = not v["wantErr"]
        got = results[str(path)]
        if got is not want:
            wrong[str(path.relative_to(DATA))] = f"{v['desc']}: want {want}, got {got}"
    assert wrong == {}
    valid = sum(not json.loads(p.read_text(encoding="utf-8"))["wantErr"] for p in files)
    assert sum(got is True for got in results.values()) == valid > 0


def test_the_old_recipes_would_fail_this_test(tmp_path: Path) -> None:
    """The driver catches what the issue found: the inclusion recipe's `break` accepted corrupted
    vectors, and a consistency loop from size 0 never ends (a hang is reported, not waited for)."""
    accepts_too_much = (
        "import hashlib\n"
        "def H(d): return hashlib.sha256(d).digest()\n"
        "def verify_inclusion(leaf, index, size, path, root):\n"
        "    fn, sn, r = index, size - 1, leaf\n"
        "    for p in path:\n"
        "        if sn == 0: break\n"
        "        if fn & 1 or fn == sn:\n"
        "            r = H(b'\\x01' + p + r)\n"
        "            while fn and not fn & 1: fn, sn = fn >> 1, sn >> 1\n"
        "        else:\n"
        "            r = H(b'\\x01' + r + p)\n"
        "        fn, sn = fn >> 1, sn >> 1\n"
        "    return sn == 0 and r == root\n"
    )
    results = run_vectors(tmp_path, accepts_too_much, "inclusion", INCLUSION_FILES)
    wrongly_accepted = [
        p for p in INCLUSION_FILES if json.loads(p.read_text())["wantErr"] and results[str(p)] is True
    ]
    assert len(wrongly_accepted) == 16
    loops = (
        "def verify_consistency(size1, size2, root1, root2, path):\n"
        "    fn = size1 - 1\n"
        "    while fn & 1: fn >>= 1\n"
    )
    zero = [p for p in CONSISTENCY_FILES if json.loads(p.read_text())["size1"] == 0][:1]
    assert run_vectors(tmp_path, loops, "consistency", zero) == {str(zero[0]): "hang"}
