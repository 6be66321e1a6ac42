"""The Merkle tree against the published RFC 6962 known-answer vectors.

The vectors are the reference test data of Certificate Transparency (transparency-dev/merkle,
proof/verify_test.go, carried over from the original certificate-transparency C++ tests): eight
leaves, the tree head for every size from 1 to 8, and inclusion and consistency proofs.
"""

from __future__ import annotations

import pytest

from audit.merkle import (
    EMPTY_ROOT,
    MerkleAccumulator,
    ProofError,
    consistency_proof,
    inclusion_proof,
    inclusion_proofs,
    leaf_hash,
    root_from_inclusion_proof,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
ROOTS = [
    bytes.fromhex(h)
    for h in [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
# (leaf number counted from 1, tree size, audit path)
INCLUSION = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (first size, second size, consistency proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
HASHED = [leaf_hash(leaf) for leaf in LEAVES]


@pytest.mark.parametrize("size", range(1, 9))
def test_tree_head_matches_the_published_root(size):
    assert tree_root(HASHED[:size]) == ROOTS[size - 1]


@pytest.mark.parametrize("size", range(1, 9))
def test_streamed_root_equals_the_recursive_definition(size):
    accumulator = MerkleAccumulator()
    accumulator.extend(HASHED[:size])
    assert accumulator.root() == ROOTS[size - 1]


def test_empty_tree_root_is_the_hash_of_nothing():
    assert (
        tree_root([]) == EMPTY_ROOT == bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    )


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_inclusion_proof_matches_the_published_path(leaf, size, path):
    assert inclusion_proof(HASHED[:size], leaf - 1) == [bytes.fromhex(h) for h in path]


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_published_inclusion_path_leads_to_the_published_root(leaf, size, path):
    proof = [bytes.fromhex(h) for h in path]
    assert root_from_inclusion_proof(leaf - 1, size, HASHED[leaf - 1], proof) == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "path"), [case for case in INCLUSION if case[2]])
def test_corrupted_inclusion_proofs_are_refused(leaf, size, path):
    proof = [bytes.fromhex(h) for h in path]
    root, index, hashed = ROOTS[size - 1], leaf - 1, HASHED[leaf - 1]
    flipped = [bytes([proof[0][0] ^ 8]) + proof[0][1:], *proof[1:]]
    corruptions = [
        (index + 1, size, hashed, proof, root),
        (index, size * 2, hashed, proof, root),
        (index, size, leaf_hash(b"wrong"), proof, root),
        (index, size, hashed, [*proof, root], root),
        (index, size, hashed, [root, *proof], root),
        (index, size, hashed, proof[:-1], root),
        (index, size, hashed, flipped, root),
        (index, size, hashed, proof, EMPTY_ROOT),
    ]
    for case in corruptions:
        assert not verify_inclusion(*case), case


def test_every_leaf_of_every_small_tree_proves_its_inclusion():
    for size in range(1, 9):
        proofs = inclusion_proofs(HASHED[:size], range(size))
        for index in range(size):
            assert verify_inclusion(index, size, HASHED[index], proofs[index], ROOTS[size - 1])


def test_inclusion_proof_for_a_leaf_outside_the_tree_is_refused():
    with pytest.raises(ProofError):
        inclusion_proof(HASHED[:3], 3)


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency_proof_matches_the_published_one(first, second, path):
    assert consistency_proof(HASHED[:second], first) == [bytes.fromhex(h) for h in path]


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_published_consistency_proof_verifies(first, second, path):
    proof = [bytes.fromhex(h) for h in path]
    assert verify_consistency(first, second, proof, ROOTS[first - 1], ROOTS[second - 1])


@pytest.mark.parametrize(("first", "second", "path"), [case for case in CONSISTENCY if case[2]])
def test_corrupted_consistency_proofs_are_refused(first, second, path):
    proof = [bytes.fromhex(h) for h in path]
    root1, root2 = ROOTS[first - 1], ROOTS[second - 1]
    corruptions = [
        (first - 1, second, proof, root1, root2),
        (first + 1, second, proof, root1, root2),
        (first, second * 2, proof, root1, root2),
        (first, second, proof, root2, root1),
        (first, second, [], root1, root2),
        (first, second, [*proof, root1], root1, root2),
        (first, second, [root2, *proof], root1, root2),
        (first, second, proof[:-1], root1, root2),
        (first, second, [bytes([proof[0][0] ^ 16]) + proof[0][1:], *proof[1:]], root1, root2),
    ]
    for case in corruptions:
        assert not verify_consistency(*case), case


def test_every_pair_of_small_trees_is_consistent():
    for second in range(1, 9):
        for first in range(1, second + 1):
            proof = consistency_proof(HASHED[:second], first)
            assert verify_consistency(first, second, proof, ROOTS[first - 1], ROOTS[second - 1])
