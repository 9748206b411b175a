"""`residentlog import-evidence` of 10,000 emails: a folder of .eml files, and one mbox.

    .venv/bin/python bench/import_emails.py [--n 10000] [--rounds 3] [--warmup 0]

Makes N small emails once (bench/.env/emails-N/: a folder of .eml files and the same messages
in one mbox file), half from the resident to the landlord, half replies from the landlord
(threaded by In-Reply-To), every tenth with a small PDF attached. Each timed run imports them
into a new, empty store (made untimed by the ``before`` hook, with the landlord's domain in the
profile), the whole command as a resident runs it: `residentlog --store S import-evidence
PATH`. Runs of the two cases are interleaved (benchlib.run_interleaved). Goal: under 60 s.
"""

from __future__ import annotations

import argparse
import mailbox
import shutil
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def message(i: int) -> bytes:
    sent = datetime(2019, 1, 1, 9, tzinfo=UTC) + timedelta(hours=3 * i)
    if i % 2 == 0:
        head = "From: Sam Resident <sam@example.com>\nTo: Repairs <repairs@landlord.example>\n"
        subject = f"Lift 2 out of service ({i // 2})"
    else:
        head = (
            "From: Housing Officer <officer@landlord.example>\nTo: sam@example.com\n"
            f"In-Reply-To: <m{i - 1}@example.com>\nReferences: <m{i - 1}@example.com>\n"
        )
        subject = f"Re: Lift 2 out of service ({i // 2})"
    head += f"Subject: {subject}\nDate: {format_datetime(sent)}\n"
    head += f"Message-ID: <m{i}@example.com>\nMIME-Version: 1.0\n"
    text = f"Message {i}. The lift was out of service again this morning.\nPlease send an engineer.\n"
    if i % 10 != 0:
        return (head + "Content-Type: text/plain; charset=utf-8\n\n" + text).encode()
    import base64

    pdf = base64.b64encode(PDF).decode()
    return (
        head
        + 'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n'
        + text
        + "\n--b\nContent-Type: application/pdf\n"
        + f'Content-Disposition: attachment; filename="notice-{i}.pdf"\n'
        + f"Content-Transfer-Encoding: base64\n\n{pdf}\n--b--\n"
    ).encode()


def make_emails(n: int) -> Path:
    root = benchlib.ENV / f"emails-{n}"
    if (root / "done").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    (root / "eml").mkdir(parents=True)
    box = mailbox.mbox(root / "all.mbox")
    box.lock()
    for i in range(n):
        data = message(i)
        (root / "eml" / f"{i:05d}.eml").write_bytes(data)
        box.add(data)
    box.flush()
    box.unlock()
    box.close()
    (root / "done").write_text("")
    return root


def fresh_store(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    benchlib.residentlog("init", str(path))
    benchlib.residentlog("--store", str(path), "profile", "--landlord-email", "@landlord.example")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=0)
    args = parser.parse_args()
    emails = make_emails(args.n)
    stores = benchlib.ENV / "import-emails-stores"
    cases = []
    for name, source in (("folder of .eml", emails / "eml"), ("one mbox", emails / "all.mbox")):
        store = stores / name.replace(" ", "-").replace(".", "")
        cases.append(
            benchlib.Case(
                f"import-evidence {args.n:,} emails, {name}",
                [str(benchlib.RL), "--store", str(store), "import-evidence", str(source)],
                before=lambda store=store: fresh_store(store),
            )
        )
    env = benchlib.environment()
    benchlib.print_environment(env)
    benchlib.run_interleaved(cases, rounds=args.rounds, warmup=args.warmup)
    print(benchlib.table(cases))
    for case in cases:
        s = benchlib.summary(case.times)
        rate = args.n / s["median"]
        print(
            f"  {case.name}: {rate:,.0f} emails/s (median); "
            f"goal under 60 s: {'met' if s['max'] < 60 else 'NOT met'} (slowest run {s['max']:.1f} s)"
        )
    benchlib.write_json(
        "import_emails", {"n": args.n, "environment": env, "cases": benchlib.case_results(cases)}
    )
    shutil.rmtree(stores, ignore_errors=True)


if __name__ == "__main__":
    main()
