"""Importing an export (:mod:`residentlog.transfer.format`) into a NEW store.

Import treats its input as hostile: the reader in :mod:`residentlog.transfer.format` checks
every member's name, type, count and size before anything is trusted. The new store is built in
a temporary folder next to the target: every record is re-hashed and re-chained as it is
appended with :meth:`Store.append`, every object re-hashed, the Merkle root compared with the
manifest and with every checkpoint, then :func:`verify_store` is run on the result; only then is
the folder renamed into place. On any failure the temporary folder is removed and the target is
left exactly as it was.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residentlog.errors import InputError, StoreError, VerificationFailed
from residentlog.fsutil import fsync_dir, fsync_path, hold_lock, remove_orphans
from residentlog.ledger import merkle

if TYPE_CHECKING:
    from residentlog.ledger.store import Store
from residentlog.transfer.format import (
    _HEX64,
    RECORDS,
    ImportResult,
    Limits,
    Manifest,
    _chunks,
    _human,
    _iter_lines,
    _open_source,
    _read_member,
    _Source,
    read_manifest,
)

# ============================================================================================
# Import
# ============================================================================================


def import_store(source: Path, target: Path, *, limits: Limits | None = None) -> ImportResult:
    """Rebuild a NEW store at ``target`` from the export at ``source``, after full verification.

    ``target`` must not exist, or be an empty folder. Nothing is written outside a temporary
    folder next to ``target`` until every check has passed; then it is renamed to ``target``.
    Unsafe or malformed input raises InputError (exit 2); a ledger that does not verify raises
    VerificationFailed (exit 1). Either way the target is left as it was.
    """
    limits = limits or Limits()
    target = Path(os.path.abspath(target))
    _check_import_target(target)
    src = _open_source(source, limits)
    try:
        manifest = read_manifest(src, limits)
        # folders of personal data left by an import that was killed half-way
        remove_orphans(list(target.parent.glob(f".{glob.escape(target.name)}.*.importing")))
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".importing", dir=target.parent))
            lock = os.open(tmp, os.O_RDONLY)
        except OSError as exc:
            raise StoreError(f"cannot create a store in {target.parent}: {exc.strerror or exc}") from None
        try:
            hold_lock(lock)
            result = _build(src, manifest, tmp, limits)
            if target.exists():
                target.rmdir()  # it was empty; rmdir fails (and we stop) if that changed
            os.rename(tmp, target)
            fsync_dir(target.parent)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StoreError(
                f"cannot create the store at {target}: {exc.strerror or exc} (nothing was written)"
            ) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        finally:
            os.close(lock)
    finally:
        src.close()
    from residentlog.integrity.signing import load_or_create_signer
    from residentlog.ledger.checkpoints import origin_for
    from residentlog.ledger.layout import PUBLIC_KEY_FILE, Layout

    signer, _ = load_or_create_signer(target, origin_for(result["ledger_id"]))
    try:
        old_key = (Layout(target).imported_keys_dir / PUBLIC_KEY_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        old_key = ""
    return ImportResult(
        path=target, exported_at=manifest.created_at, new_key=signer.verifier.vkey, old_key=old_key, **result
    )


def _check_import_target(target: Path) -> None:
    from residentlog.ledger.store import Store

    parent = target.parent
    if not parent.is_dir():
        raise InputError(f"the folder {parent} does not exist; create it first")
    if target.is_symlink():
        raise InputError(f"{target} is a symbolic link; import into a new folder")
    if Store.exists(target):
        raise InputError(f"a store already exists at {target}; import only creates a new store")
    if target.exists():
        if not target.is_dir():
            raise InputError(f"{target} exists and is not a folder")
        if any(target.iterdir()):
            raise InputError(f"the folder {target} is not empty; import only into a new or empty folder")


def _build(src: _Source, manifest: Manifest, root: Path, limits: Limits) -> dict[str, Any]:
    from residentlog.integrity.checkpoint import write_checkpoint_file
    from residentlog.integrity.verify import verify_store
    from residentlog.ledger.checkpoints import parse_checkpoint
    from residentlog.ledger.objects import object_path
    from residentlog.ledger.store import Store

    store = Store.create(root, ledger_id=manifest.ledger_id)
    try:
        with store.bulk_load():  # a private folder, fsynced before the rename
            leaves, cited = _import_records(src, manifest, store, limits)
            if len(leaves) != manifest.size:
                raise VerificationFailed(
                    f"the export holds {len(leaves)} entries but its manifest says {manifest.size}"
                )
            root_hash = merkle.root(leaves)
            if root_hash != manifest.root:
                raise VerificationFailed(
                    "the entries do not produce the root in the manifest: they were changed"
                )

            # Objects: exactly the attachments the records cite, each re-hashed.
            wanted = {f"objects/{d[:2]}/{d[2:]}": (d, size) for d, size in cited.items()}
            for name in sorted(manifest.objects - set(wanted)):
                raise InputError(f"refused: unexpected member {name!r}: no entry cites it")
            for name, (digest, size) in sorted(wanted.items()):
                if name not in manifest.files:
                    raise VerificationFailed(f"attachment {digest} is missing from the export")
                listed_size, listed_sha = manifest.files[name]
                if listed_size != size or listed_sha != digest:
                    raise VerificationFailed(
                        f"attachment {digest} in the export does not match the entry citing it"
                    )
                _copy_member(src, name, listed_size, listed_sha, object_path(store.objects_dir, digest))

            # Checkpoints, exactly as handed out: each of this ledger, within it, giving the root of
            # its prefix; a signed note must sign exactly that checkpoint, and verify if it is signed
            # by the public key in the export.
            verifiers = _exported_verifiers(src, manifest, limits)
            texts: list[str] = []
            for i, cp in enumerate(manifest.checkpoints, start=1):
                text = _small_text(src, manifest, cp["file"], limits)
                parsed, signed = _check_checkpoint(text, i, manifest, leaves, cp, verifiers)
                store.add_checkpoint(
                    parsed.size,
                    parsed.root,
                    cp["issued_at"],
                    parsed.text(),
                    recipient=cp["recipient"] or "",
                    note=text if signed else "",
                )
                write_checkpoint_file(root, parsed, text)
                texts.append(text)

            # Timestamps: each token re-checked offline against its checkpoint and TSA chain.
            if manifest.timestamps:
                from residentlog.integrity import timestamps as ts

                for i, st in enumerate(manifest.timestamps, start=1):
                    token = _small_bytes(src, manifest, st["file"], limits)
                    chain = _small_text(src, manifest, st["chain"], limits)
                    text = texts[st["checkpoint"] - 1]
                    nonce = int(st["nonce"]) if st["nonce"] is not None else None
                    check = ts.check_token(token, text, chain, nonce=nonce)
                    if not check.ok:
                        raise VerificationFailed(
                            f"timestamp {i} ({st['tsa_url']}) does not verify: {check.problem}"
                        )
                    ts.record_token(
                        store,
                        checkpoint_text=text,
                        checkpoint_size=parse_checkpoint(text).size,
                        tsa_url=st["tsa_url"],
                        token=token,
                        chain_pem=chain,
                        requested_at=st["requested_at"],
                        nonce=nonce,
                        trust=st["trust"],
                    )

            # Profile, public keys, policy packs: exact bytes.
            if manifest.profile is not None:
                data = _small_bytes(src, manifest, manifest.profile, limits)
                _check_profile_bytes(data)
                _write_new(store.profile_path, data)
            for name in manifest.public_keys:
                store.keys_dir.mkdir(mode=0o700, exist_ok=True)
                _write_new(store.imported_keys_dir / _base(name), _small_bytes(src, manifest, name, limits))
            for name in manifest.policies:
                _write_new(store.policies_dir / _base(name), _small_bytes(src, manifest, name, limits))

        # Finally, the same full check `residentlog verify` does, on the new store itself.
        report = verify_store(store)
        report.raise_if_failed("the imported ledger does not verify")
        if report.size != manifest.size or report.root != manifest.root:  # pragma: no cover - defensive
            raise VerificationFailed("the imported ledger does not match the manifest")
        if manifest.timestamps:
            from residentlog.integrity import timestamps as ts

            problems = ts.verify_timestamps(store)
            if problems:
                raise VerificationFailed(f"the imported timestamps do not verify ({problems[0]})")
        result = {
            "ledger_id": store.ledger_id,
            "size": report.size,
            "root": report.root,
            "objects": len(wanted),
            "checkpoints": len(manifest.checkpoints),
            "timestamps": len(manifest.timestamps),
        }
    finally:
        store.close()
    for folder, _dirs, names in os.walk(root):
        for name in names:
            fsync_path(Path(folder) / name)
        fsync_dir(Path(folder))
    return result


def _base(name: str) -> str:
    """``keys/x.vkey`` -> ``x.vkey``: a member's name inside its folder (checked when listed)."""
    return name.split("/", 1)[1]


def _exported_verifiers(src: _Source, manifest: Manifest, limits: Limits) -> list[Any]:
    """The public keys in the export, parsed (a ``.vkey`` must be a valid verifier key)."""
    from residentlog.integrity.signing import NoteError, parse_vkey

    found = []
    for name in manifest.public_keys:
        data = _small_bytes(src, manifest, name, limits)
        if b"PRIVATE" in data.upper():
            raise InputError(f"refused: {name} holds a private key; an export never carries one")
        if name.endswith(".vkey"):
            try:
                found.append(parse_vkey(data.decode("utf-8").strip()))
            except (UnicodeDecodeError, NoteError) as exc:
                raise InputError(f"refused: {name} is not a verifier key ({exc})") from None
    return found


def _check_checkpoint(
    text: str, i: int, manifest: Manifest, leaves: list[bytes], entry: dict[str, Any], verifiers: list[Any]
) -> tuple[Any, bool]:
    """Check one exported checkpoint against the ledger; returns (checkpoint, is it signed)."""
    from residentlog.integrity.signing import NoteError, parse_note
    from residentlog.ledger.checkpoints import origin_for, parse_checkpoint

    try:
        parsed = parse_checkpoint(text)
    except InputError as exc:
        raise VerificationFailed(f"checkpoint {i} in the export is malformed ({exc})") from None
    signed = "\n\n" in text
    if signed:
        try:
            note = parse_note(text)
            if note.text != parsed.text():
                raise NoteError("its signed text is not exactly the checkpoint")
            note.verified_by(verifiers)
        except NoteError as exc:
            raise VerificationFailed(
                f"the signed note of checkpoint {i} does not check out ({exc})"
            ) from None
    elif text != parsed.text():
        raise VerificationFailed(f"checkpoint {i} in the export is not in the form residentlog writes")
    if parsed.origin != origin_for(manifest.ledger_id):
        raise VerificationFailed(f"checkpoint {i} is of another ledger ({parsed.origin})")
    if parsed.size != entry["size"] or parsed.root != entry["root"]:
        raise VerificationFailed(f"checkpoint {i} does not match its manifest entry")
    if parsed.size > len(leaves):
        raise VerificationFailed(
            f"the ledger is truncated: checkpoint {i} covers {parsed.size} entries, "
            f"the export holds {len(leaves)}"
        )
    if merkle.root(leaves[: parsed.size]) != parsed.root:
        raise VerificationFailed(
            f"the ledger was rewritten: its first {parsed.size} entries do not give the root of "
            f"checkpoint {i}"
        )
    return parsed, signed


def _import_records(
    src: _Source, manifest: Manifest, store: Store, limits: Limits
) -> tuple[list[bytes], dict[str, int]]:
    """Check every record line by line and append its exact bytes; returns leaves and citations."""
    from residentlog.ledger.store import Tip

    size, sha = manifest.files[RECORDS]
    leaves: list[bytes] = []
    cited: dict[str, int] = {}
    prev = ""
    seq = 0
    for data in _iter_lines(src, RECORDS, size, sha, limits.max_record):
        seq += 1
        if seq > manifest.size:
            raise VerificationFailed(
                f"the export holds more entries than its manifest says ({manifest.size})"
            )
        leaf = _check_record(data, seq, manifest.ledger_id, prev, cited)
        prev = leaf.hex()

        def build(tip: Tip, data: bytes = data, leaf: bytes = leaf, seq: int = seq) -> tuple[bytes, bytes]:
            if tip.seq != seq - 1:  # pragma: no cover - the store is private to this import
                raise StoreError("the new store changed while it was being built")
            return data, leaf

        store.append(build)
        leaves.append(leaf)
    return leaves, cited


def _check_record(data: bytes, seq: int, ledger_id: str, prev: str, cited: dict[str, int]) -> bytes:
    """The checks ``verify`` makes of one record; returns its leaf hash (recomputed, never trusted)."""
    from residentlog.ledger.record import FORMAT_VERSION as RECORD_VERSION
    from residentlog.ledger.record import RECORD_KEYS, decode, is_canonical

    try:
        rec = decode(data)
    except VerificationFailed as exc:
        raise VerificationFailed(f"entry {seq} in the export is not a readable record ({exc})") from None
    if rec.keys() != RECORD_KEYS or rec.get("v") != RECORD_VERSION:
        raise VerificationFailed(f"entry {seq} in the export is not a version-1 record")
    if not is_canonical(data, rec):
        raise VerificationFailed(f"entry {seq} in the export is not in canonical form (RFC 8785)")
    if rec["ledger"] != ledger_id:
        raise VerificationFailed(f"entry {seq} in the export belongs to another ledger")
    if rec["seq"] != seq:
        raise VerificationFailed(
            f"entry {seq} in the export says it is entry {rec['seq']}: the order was changed"
        )
    if rec["prev"] != prev:
        raise VerificationFailed(
            f"entry {seq} in the export names a different hash for entry {seq - 1}: "
            "an entry was changed, removed or replaced"
        )
    attachments = rec["attachments"]
    if not isinstance(attachments, list):
        raise VerificationFailed(f"entry {seq} in the export has malformed attachments")
    for att in attachments:
        digest = att.get("sha256") if isinstance(att, dict) else None
        size = att.get("size") if isinstance(att, dict) else None
        if (
            not isinstance(digest, str)
            or not _HEX64.fullmatch(digest)
            or not isinstance(size, int)
            or size < 0
        ):
            raise VerificationFailed(f"entry {seq} in the export has a malformed attachment")
        if cited.setdefault(digest, size) != size:
            raise VerificationFailed(
                f"entry {seq} gives attachment {digest} a different size than an earlier entry"
            )
    return merkle.leaf_hash(data)


def _copy_member(src: _Source, name: str, size: int, sha256: str, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "xb") as out:
        for chunk in _chunks(src, name, size, sha256):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())


def _write_new(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "xb") as out:
        out.write(data)


def _small_bytes(src: _Source, manifest: Manifest, name: str, limits: Limits) -> bytes:
    size, sha = manifest.files[name]
    if size > limits.max_small:
        raise InputError(f"refused: {name} is {_human(size)} (at most {_human(limits.max_small)})")
    return _read_member(src, name, size, sha)


def _small_text(src: _Source, manifest: Manifest, name: str, limits: Limits) -> str:
    try:
        return _small_bytes(src, manifest, name, limits).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"refused: {name} is not UTF-8 text") from None


def _check_profile_bytes(data: bytes) -> None:
    from pydantic import ValidationError

    from residentlog.ledger.profile import Profile
    from residentlog.ledger.vocabulary import describe

    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"refused: profile.json in the export is not JSON ({exc})") from None
    try:
        Profile.model_validate(doc)
    except ValidationError as exc:
        raise InputError(
            f"refused: profile.json in the export is not a valid profile ({describe(exc)})"
        ) from None
