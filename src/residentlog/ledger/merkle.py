"""RFC 9162 (Certificate Transparency v2) Merkle trees over SHA-256.

Pure functions, standard library only. All tree functions take *leaf hashes*: the caller hashes each
entry with :func:`leaf_hash` (``SHA-256(0x00 || data)``) first; interior nodes are
:func:`node_hash` (``SHA-256(0x01 || left || right)``). The hash of the empty tree is
:data:`EMPTY_ROOT` (``SHA-256("")``).

* :func:`root` is the Merkle Tree Hash MTH (RFC 9162 §2.1.1) computed with the streaming stack
  algorithm of §2.1.2, in O(log n) memory, so it can consume an iterator of a million leaf hashes.
* :func:`inclusion_proof` / :func:`verify_inclusion` are PATH(m, D[n]) and its check (§2.1.3).
* :func:`consistency_proof` / :func:`verify_consistency` are PROOF(m, D[n]) and its check (§2.1.4).

* :func:`inclusion_path` / :func:`consistency_path` are the same proofs with each subtree hash
  taken from a callback; :func:`perfect_subtrees`, :func:`new_subtrees` and :func:`range_root`
  make and use stored hashes of perfect aligned subtrees, so a store answers proofs in O(log n).

Indexes are 0-based. Proof generation from a list of leaf hashes hashes every leaf at most once
overall (each sibling subtree hashed is disjoint from the others), so it is O(n), and it raises
``ValueError`` on bad arguments (index outside ``[0, n)``, ``size1`` outside ``[0, n]``, a leaf
hash it has to combine that is not 32 bytes). ``consistency_proof`` returns ``[]`` for ``size1 == 0`` and
``size1 == n`` (nothing to prove), as transparency-dev/merkle does.

Verifiers never raise: any malformed input returns ``False``. Malformed means a size or index that
is not an ``int`` (``bool`` included) or is negative, a proof that is not a sequence (``None``
included — pass ``[]`` for an empty proof), or, wherever hashes are combined, a leaf hash, root or
proof element that is not ``bytes``/``bytearray`` of exactly 32 bytes.

Edge-case policy of :func:`verify_consistency`, in this order, matching transparency-dev/merkle
``proof/verify.go`` ``VerifyConsistency`` so that its published test vectors all pass:

1. ``size2 < size1`` → ``False``.
2. ``size1 == 0`` → ``False``, even when ``size2 == 0`` too: nothing is proven by consistency with
   the empty tree, and this is checked *before* the equal-sizes rule, so ``0 → 0`` fails.
3. ``size1 == size2`` → ``True`` iff the proof is empty and ``root1 == root2`` (a plain byte
   comparison: no hashing is done, so the 32-byte length rule is not applied here).
4. Otherwise an empty proof → ``False``; then the RFC 9162 §2.1.4.2 algorithm, which also requires
   ``sn == 0`` at the end (no surplus or missing proof hashes).

:func:`verify_inclusion` follows RFC 9162 §2.1.3.2: ``index >= size`` (hence any ``size == 0``)
→ ``False``; the path is folded and the result is accepted only if ``sn == 0`` and the computed
root equals ``root``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice, repeat
from operator import add

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "consistency_path",
    "consistency_proof",
    "inclusion_path",
    "inclusion_proof",
    "leaf_hash",
    "new_subtrees",
    "node_hash",
    "perfect_subtrees",
    "range_root",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: int = 32
"""Length in bytes of every leaf hash, node hash and root (SHA-256)."""

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""MTH({}) — the root of the empty tree: SHA-256 of the empty string."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

# root() folds blocks of this many leaves (a power of two) into perfect subtrees a whole level at a
# time (see _parents), which is much cheaper in CPython than pushing each leaf through the stack.
_CHUNK_HEIGHT = 10
_CHUNK = 1 << _CHUNK_HEIGHT


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 9162 leaf hash ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 interior node hash ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _check_leaf_hashes(chunk: list[bytes], offset: int) -> None:
    """Raise ``ValueError`` unless every item of ``chunk`` (leaves ``offset``...) is 32 bytes long."""
    if set(map(len, chunk)) != {HASH_SIZE}:
        bad = next(i for i, h in enumerate(chunk) if len(h) != HASH_SIZE)
        raise ValueError(f"leaf hash {offset + bad} is {len(chunk[bad])} bytes long, not {HASH_SIZE}")


_digest = type(hashlib.sha256()).digest  # unbound, so map() can call it without Python frames


def _parents(level: list[bytes]) -> list[bytes]:
    """Return the parent level of an even-length level: node_hash of each adjacent pair.

    Written as nested ``map`` calls so the whole level is hashed without running Python bytecode per
    node; in CPython this leaves SHA-256 itself as the dominant cost.
    """
    return list(
        map(_digest, map(hashlib.sha256, map(add, map(add, repeat(_NODE_PREFIX), level[::2]), level[1::2])))
    )


def root(leaf_hashes: Iterable[bytes]) -> bytes:
    """Return the Merkle Tree Hash of the already-hashed leaves ``leaf_hashes``.

    This is RFC 9162 §2.1.2's stack algorithm: memory stays O(log n) whatever the length of the
    iterable, which is consumed once. The empty input gives :data:`EMPTY_ROOT`. Raises
    ``ValueError`` if an item is not 32 bytes long.
    """
    sha256 = hashlib.sha256
    prefix = _NODE_PREFIX
    it = iter(leaf_hashes)
    # The §2.1.2 stack, holding roots of perfect subtrees (``hashes``) with their heights (``heights``,
    # strictly decreasing from bottom to top). Whole aligned blocks of _CHUNK leaves are pushed as one
    # subtree of height _CHUNK_HEIGHT rather than leaf by leaf; the resulting merges are the same.
    hashes: list[bytes] = []
    heights: list[int] = []
    count = 0
    while True:
        level = list(islice(it, _CHUNK))
        if not level:
            break
        _check_leaf_hashes(level, count)
        count += len(level)
        if len(level) == _CHUNK:
            # A full, aligned block: fold it into one perfect subtree of height _CHUNK_HEIGHT.
            while len(level) > 1:
                level = _parents(level)
            top, height = level[0], _CHUNK_HEIGHT
            while heights and heights[-1] == height:
                heights.pop()
                top = sha256(prefix + hashes.pop() + top).digest()
                height += 1
            hashes.append(top)
            heights.append(height)
            continue
        # The final partial block (fewer than _CHUNK leaves): fold it level by level; whenever a
        # level has an odd length its last node is a perfect subtree at the right edge of the tree.
        # These are found smallest first, i.e. right to left, so reverse them onto the stack.
        tail: list[bytes] = []
        while level:
            if len(level) & 1:
                tail.append(level.pop())
            level = _parents(level)
        hashes.extend(reversed(tail))
        break
    if not hashes:
        return EMPTY_ROOT
    # Step 3 of §2.1.2: merge the remaining perfect subtrees, rightmost first.
    top = hashes.pop()
    while hashes:
        top = sha256(prefix + hashes.pop() + top).digest()
    return top


def _split(n: int) -> int:
    """Return k, the largest power of two smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _slicer(leaf_hashes: Sequence[bytes]) -> Callable[[int, int], bytes]:
    """MTH(D[lo:hi]) straight from a sequence of leaf hashes."""
    return lambda lo, hi: root(leaf_hashes[lo:hi])


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Return the audit path PATH(index, D[n]) of RFC 9162 §2.1.3.1, with n = ``len(leaf_hashes)``.

    ``index`` is 0-based and must satisfy ``0 <= index < n``, else ``ValueError``. The path lists
    sibling subtree hashes from the leaf up to the root. Runs in O(n) hashing overall.
    """
    return inclusion_path(len(leaf_hashes), index, _slicer(leaf_hashes))


def inclusion_path(size: int, index: int, subtree_root: Callable[[int, int], bytes]) -> list[bytes]:
    """PATH(index, D[size]) with every sibling hash taken from ``subtree_root(lo, hi)`` = MTH(D[lo:hi]).

    Only the ranges RFC 9162 splits a tree into are asked for, so ``lo`` is always a multiple of
    the largest power of two not above ``hi - lo``: a source of stored subtree hashes (see
    :func:`range_root`) answers each in O(log n).
    """
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
        raise ValueError(f"leaf index {index!r} is outside a tree of {size} leaves")
    path: list[bytes] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            path.append(subtree_root(lo + k, hi))
            hi = lo + k
        else:
            path.append(subtree_root(lo, lo + k))
            lo += k
            m -= k
    path.reverse()  # found top-down; PATH lists them bottom-up
    return path


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int) -> list[bytes]:
    """Return the consistency proof PROOF(size1, D[n]) of RFC 9162 §2.1.4.1, n = ``len(leaf_hashes)``.

    It proves that the tree of the first ``size1`` leaves is a prefix of the tree of all n leaves.
    ``size1`` must satisfy ``0 <= size1 <= n``, else ``ValueError``; ``size1 == 0`` and
    ``size1 == n`` give ``[]`` (nothing to prove). Runs in O(n) hashing overall.
    """
    return consistency_path(len(leaf_hashes), size1, _slicer(leaf_hashes))


def consistency_path(size: int, size1: int, subtree_root: Callable[[int, int], bytes]) -> list[bytes]:
    """PROOF(size1, D[size]) with every hash taken from ``subtree_root(lo, hi)`` (see
    :func:`inclusion_path`)."""
    if isinstance(size1, bool) or not isinstance(size1, int) or not 0 <= size1 <= size:
        raise ValueError(f"old tree size {size1!r} is outside 0..{size}")
    if size1 == 0 or size1 == size:
        return []
    # SUBPROOF(m, D[lo:hi], b), unrolled: each step records one sibling subtree hash.
    proof: list[bytes] = []
    lo, hi, m, whole = 0, size, size1, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(subtree_root(lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree_root(lo, lo + k))
            lo += k
            m -= k
            whole = False
    if not whole:
        # SUBPROOF(m, D[m], false) = [MTH(D[m])]: the old tree's subtree is not already known.
        proof.append(subtree_root(lo, hi))
    proof.reverse()  # found top-down; PROOF lists them bottom-up
    return proof


# -- stored subtree hashes ----------------------------------------------------------------------
#
# A store keeps the hash of every *perfect aligned subtree* of at least 2**height leaves: node
# (h, i) = MTH(D[i * 2**h : (i + 1) * 2**h]) for h >= height, once all its leaves exist. Any
# subtree a proof needs is then a few stored nodes plus at most two runs of fewer than 2**height
# leaf hashes, so proofs cost O(log n) reads instead of O(n) hashing.


def perfect_subtrees(leaf_hashes: Iterable[bytes], height: int) -> Iterator[tuple[int, int, bytes]]:
    """Every perfect aligned subtree of ``2**height`` leaves or more, as (h, i, MTH): for each
    complete block of ``2**height`` leaves its node, then every larger node it completes.
    The leaf hashes are consumed once; an incomplete final block yields nothing."""
    it = iter(leaf_hashes)
    block = 1 << height
    chunk = max(block, _CHUNK * 8)  # hashed a whole level at a time, as in root()
    stack: list[bytes] = []  # the open nodes' hashes, one per height >= ``height``
    index = 0
    while True:
        level = list(islice(it, chunk))
        whole = len(level) - len(level) % block
        del level[whole:]  # only the input's end has a partial block: it makes no node
        if not level:
            return
        _check_leaf_hashes(level, index * block)
        for _ in range(height):
            level = _parents(level)
        for top in level:
            h, i = height, index
            yield h, i, top
            while i & 1:  # a right child: its parent is complete
                top = node_hash(stack.pop(), top)
                h += 1
                i >>= 1
                yield h, i, top
            stack.append(top)
            index += 1
        if whole < chunk:
            return


def new_subtrees(
    size: int, height: int, node: Callable[[int, int], bytes], leaves: Callable[[int, int], list[bytes]]
) -> list[tuple[int, int, bytes]]:
    """The perfect aligned subtrees of ``2**height`` leaves or more that leaf number ``size``
    (1-based: the tree has just grown to ``size`` leaves) completes, as (h, i, MTH), smallest
    first. ``node(h, i)`` returns a stored node; ``leaves(lo, hi)`` the leaf hashes D[lo:hi]."""
    block = 1 << height
    if size % block:
        return []
    made: list[tuple[int, int, bytes]] = []
    i = size // block - 1
    top = root(leaves(size - block, size))
    made.append((height, i, top))
    h = height
    while i & 1:
        top = node_hash(node(h, i - 1), top)
        h += 1
        i >>= 1
        made.append((h, i, top))
    return made


def range_root(
    lo: int,
    hi: int,
    height: int,
    node: Callable[[int, int], bytes | None],
    leaves: Callable[[int, int], list[bytes]],
) -> bytes:
    """MTH(D[lo:hi]) from stored perfect subtrees of ``2**height`` leaves or more (``node(h, i)``,
    ``None`` if not stored) and leaf hashes (``leaves(lo, hi)``), for ``0 <= lo < hi``."""
    n = hi - lo
    if n >= 1 << height and n & (n - 1) == 0 and lo % n == 0:
        h = n.bit_length() - 1
        found = node(h, lo >> h)
        if found is not None:
            return found
    if n <= 1 << height:
        return root(leaves(lo, hi))
    k = _split(n)
    return node_hash(
        range_root(lo, lo + k, height, node, leaves), range_root(lo + k, hi, height, node, leaves)
    )


def _is_hash(value: object) -> bool:
    return isinstance(value, (bytes, bytearray)) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _hashes(proof: object) -> list[bytes] | None:
    """Return ``proof`` as a list of 32-byte hashes, or ``None`` if it is malformed."""
    if not isinstance(proof, Sequence) or isinstance(proof, (str, bytes, bytearray)):
        return None
    items = list(proof)
    if not all(map(_is_hash, items)):
        return None
    return [bytes(p) for p in items]


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Check an inclusion proof (RFC 9162 §2.1.3.2): leaf ``index`` of a tree of ``size`` leaves
    with root ``root`` has leaf hash ``leaf_hash``. Returns ``False`` on any malformed input."""
    path = _hashes(proof)
    if path is None or not (_is_size(index) and _is_size(size) and _is_hash(leaf_hash) and _is_hash(root)):
        return False
    if index >= size:
        return False
    sha256 = hashlib.sha256
    fn, sn = index, size - 1
    r = bytes(leaf_hash)
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = sha256(_NODE_PREFIX + p + r).digest()
            while fn and not fn & 1:  # only when fn == sn: skip levels where r has no sibling
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(_NODE_PREFIX + r + p).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> bool:
    """Check a consistency proof (RFC 9162 §2.1.4.2) that the tree of ``size1`` leaves with root
    ``root1`` is a prefix of the tree of ``size2`` leaves with root ``root2``.

    Edge cases follow transparency-dev/merkle (see the module docstring): ``size1 > size2`` and
    ``size1 == 0`` fail; equal sizes succeed iff the proof is empty and the roots are equal.
    Returns ``False`` on any malformed input.
    """
    path = _hashes(proof)
    if path is None or not (_is_size(size1) and _is_size(size2)):
        return False
    if size1 > size2 or size1 == 0:
        return False
    if size1 == size2:
        return (
            not path
            and isinstance(root1, (bytes, bytearray))
            and isinstance(root2, (bytes, bytearray))
            and root1 == root2
        )
    if not path or not (_is_hash(root1) and _is_hash(root2)):
        return False
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: the old root is a node of the new tree
        path.insert(0, bytes(root1))
    sha256 = hashlib.sha256
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = sha256(_NODE_PREFIX + c + fr).digest()
            sr = sha256(_NODE_PREFIX + c + sr).digest()
            while fn and not fn & 1:  # only when fn == sn: skip levels without a sibling
                fn >>= 1
                sn >>= 1
        else:
            sr = sha256(_NODE_PREFIX + sr + c).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2
