"""Merkle trees as Certificate Transparency defines them (RFC 6962 section 2.1, RFC 9162 section 2.1).

The audit log's leaves are the 32-byte entry hashes in sequence order, so a signed tree head
commits to every entry, and one entry's inclusion can be proven with about log2(n) hashes
instead of the whole log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

ERR_INDEX = "leaf index {index} is outside a tree of size {size}"
ERR_SIZES = "tree sizes {first} and {second} are not in order"
ERR_PROOF = "the proof does not lead to the root"


class ProofError(ValueError):
    pass


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleAccumulator:
    """The roots of the perfect subtrees covering the leaves seen so far (a "compact range").

    Appending is amortised one node hash; memory is log2(n) hashes, so a root over a million
    streamed entries needs no list of them.
    """

    __slots__ = ("_stack", "size")

    def __init__(self) -> None:
        self._stack: list[bytes] = []
        self.size = 0

    def append(self, hashed_leaf: bytes) -> None:
        stack = self._stack
        stack.append(hashed_leaf)
        self.size += 1
        n = self.size
        while not n & 1:
            right = stack.pop()
            stack[-1] = hashlib.sha256(NODE_PREFIX + stack[-1] + right).digest()
            n >>= 1

    def extend(self, hashed_leaves: Iterable[bytes]) -> None:
        for item in hashed_leaves:
            self.append(item)

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        result = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            result = node_hash(left, result)
        return result


def tree_root(hashed_leaves: Sequence[bytes], lo: int = 0, hi: int | None = None) -> bytes:
    """MTH(D[lo:hi]) over already hashed leaves."""
    accumulator = MerkleAccumulator()
    accumulator.extend(hashed_leaves[lo : len(hashed_leaves) if hi is None else hi])
    return accumulator.root()


def inclusion_proofs(hashed_leaves: Sequence[bytes], indices: Iterable[int]) -> dict[int, list[bytes]]:
    """PATH(m, D[n]) for several leaves in one pass over the tree (RFC 6962 section 2.1.1)."""
    size = len(hashed_leaves)
    wanted = sorted(set(indices))
    for index in wanted:
        if not 0 <= index < size:
            raise ProofError(ERR_INDEX.format(index=index, size=size))
    paths: dict[int, list[bytes]] = {index: [] for index in wanted}

    def walk(lo: int, hi: int, inside: list[int]) -> bytes:
        if not inside:
            return tree_root(hashed_leaves, lo, hi)
        if hi - lo == 1:
            return hashed_leaves[lo]
        middle = lo + _split(hi - lo)
        left_wanted = [i for i in inside if i < middle]
        right_wanted = [i for i in inside if i >= middle]
        left = walk(lo, middle, left_wanted)
        right = walk(middle, hi, right_wanted)
        for index in left_wanted:
            paths[index].append(right)
        for index in right_wanted:
            paths[index].append(left)
        return node_hash(left, right)

    if size:
        walk(0, size, wanted)
    return paths


def inclusion_proof(hashed_leaves: Sequence[bytes], index: int) -> list[bytes]:
    return inclusion_proofs(hashed_leaves, [index])[index]


def root_from_inclusion_proof(index: int, size: int, hashed_leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        raise ProofError(ERR_INDEX.format(index=index, size=size))
    fn, sn, result = index, size - 1, hashed_leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError(ERR_PROOF)
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(ERR_PROOF)
    return result


def verify_inclusion(index: int, size: int, hashed_leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    try:
        return root_from_inclusion_proof(index, size, hashed_leaf, proof) == root
    except ProofError:
        return False


def consistency_proof(hashed_leaves: Sequence[bytes], first: int) -> list[bytes]:
    """PROOF(m, D[n]): the tree of size ``first`` is a prefix of this one (RFC 6962 section 2.1.2)."""
    size = len(hashed_leaves)
    if not 0 <= first <= size:
        raise ProofError(ERR_SIZES.format(first=first, second=size))
    if first in (0, size):
        return []

    def subproof(m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if whole else [tree_root(hashed_leaves, lo, hi)]
        k = _split(n)
        if m <= k:
            return [*subproof(m, lo, lo + k, whole), tree_root(hashed_leaves, lo + k, hi)]
        return [*subproof(m - k, lo + k, hi, False), tree_root(hashed_leaves, lo, lo + k)]

    return subproof(first, 0, size, True)


def verify_consistency(first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if first > second or first < 0:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for item in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(item, fr)
            sr = node_hash(item, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, item)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
