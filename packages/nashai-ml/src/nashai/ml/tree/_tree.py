"""A fitted binary decision tree stored in flat arrays, as scikit-learn's `Tree` stores it.

Node `i` is a leaf when `children_left[i] == TREE_LEAF`; otherwise a sample `x` goes to
`children_left[i]` when `x[feature[i]] <= threshold[i]` and to `children_right[i]` else.
Nodes are numbered in depth-first pre-order (a node, its left subtree, its right subtree), the
numbering scikit-learn's depth-first builder produces, so two equal trees have equal arrays.

Prediction walks every sample down all trees at once, one level per step: a step is a gather of
each sample's current node feature and threshold, one comparison and one `where`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

TREE_LEAF = -1
TREE_UNDEFINED = -2


class Tree:
    """Flat-array binary tree (scikit-learn's `tree_` attribute).

    Attributes (n_nodes = `node_count`):
        children_left, children_right: (n_nodes,) int64, TREE_LEAF (-1) at leaves.
        feature: (n_nodes,) int64, TREE_UNDEFINED (-2) at leaves.
        threshold: (n_nodes,) float64, -2.0 at leaves.
        value: (n_nodes, 1, n_values) float64: class fractions (classifier) or the mean target
            (regressor, n_values = 1), stored for every node; in gradient boosting the leaves
            hold the stage's line-search step instead.
        impurity: (n_nodes,) float64.
        n_node_samples: (n_nodes,) int64, distinct training samples reaching the node.
        weighted_n_node_samples: (n_nodes,) float64, their total weight.
    """

    def __init__(
        self,
        n_features: int,
        children_left: np.ndarray,
        children_right: np.ndarray,
        feature: np.ndarray,
        threshold: np.ndarray,
        value: np.ndarray,
        impurity: np.ndarray,
        n_node_samples: np.ndarray,
        weighted_n_node_samples: np.ndarray,
        max_depth: int,
    ) -> None:
        self.n_features = n_features
        self.max_depth = max_depth  # longest root-to-leaf path (a lone root has depth 0)
        self.children_left = children_left
        self.children_right = children_right
        self.feature = feature
        self.threshold = threshold
        self.value = value
        self.impurity = impurity
        self.n_node_samples = n_node_samples
        self.weighted_n_node_samples = weighted_n_node_samples

    @property
    def node_count(self) -> int:
        return self.children_left.shape[0]

    @property
    def n_leaves(self) -> int:
        return int(np.count_nonzero(self.children_left == TREE_LEAF))

    @property
    def n_outputs(self) -> int:
        return 1

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Leaf index of each row of X (n_samples, n_features) -> (n_samples,) int64."""
        return apply_trees([self], X)[0]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Leaf values (n_samples, 1, n_values) of each row of X."""
        return self.value[self.apply(X)]

    def compute_feature_importances(self, normalize: bool = True) -> np.ndarray:
        """Mean decrease in impurity (Breiman et al. 1984, §5.3.4) per feature, (n_features,).

        importance[f] = Σ over nodes t split on f of
                        (N_t·i(t) − N_left·i(left) − N_right·i(right)) / N_root,
        with N the weighted sample counts and i the impurity; normalised to sum to 1.
        """
        internal = np.flatnonzero(self.children_left != TREE_LEAF)
        left, right = self.children_left[internal], self.children_right[internal]
        w, imp = self.weighted_n_node_samples, self.impurity
        decrease = w[internal] * imp[internal] - w[left] * imp[left] - w[right] * imp[right]
        importances = np.bincount(
            self.feature[internal], weights=decrease, minlength=self.n_features
        ).astype(np.float64)
        importances /= w[0]
        total = importances.sum()
        if normalize and total > 0.0:
            importances /= total
        return importances


def apply_trees(trees: list[Tree], X: np.ndarray, rows: list[np.ndarray] | None = None):
    """Leaf indices of samples in several trees at once.

    All (tree, sample) pairs descend together, one level per step, so the Python loop runs
    max_depth times whatever the number of trees. `rows[t]` (default: all rows) picks the
    samples tree t is applied to. Returns a list of (len(rows[t]),) int64 arrays, node ids local
    to each tree.
    """
    n_samples, n_features = X.shape
    if rows is None:
        rows = [np.arange(n_samples)] * len(trees)
    sizes = np.array([t.node_count for t in trees])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    def stacked_children(name):  # global ids; leaves stay -1
        children = [getattr(t, name) for t in trees]
        return np.concatenate(
            [c + np.where(c >= 0, o, 0) for c, o in zip(children, offsets, strict=True)]
        )

    left, right = stacked_children("children_left"), stacked_children("children_right")
    feature = np.concatenate([np.maximum(t.feature, 0) for t in trees])
    threshold = np.concatenate([t.threshold for t in trees])
    counts = np.array([len(r) for r in rows])
    sample = np.concatenate(rows).astype(np.int64)
    node = np.repeat(offsets, counts)

    flat_X = np.ascontiguousarray(X).ravel()
    active = np.flatnonzero(left[node] != TREE_LEAF)
    while active.size:
        current = node[active]
        x = flat_X[sample[active] * n_features + feature[current]]
        nxt = np.where(x <= threshold[current], left[current], right[current])
        node[active] = nxt
        active = active[left[nxt] != TREE_LEAF]

    node -= np.repeat(offsets, counts)
    return np.split(node, np.cumsum(counts)[:-1])


@dataclass
class Level:
    """The nodes of one depth of one or more trees, as a level-wise builder records them.

    Nodes get global ids in the order they are recorded (level by level, in array order);
    `parent` holds global ids (-1 for a root).
    """

    tree: np.ndarray  # (K,) which tree
    parent: np.ndarray  # (K,)
    is_left: np.ndarray  # (K,) bool
    feature: np.ndarray  # (K,) TREE_UNDEFINED at leaves
    threshold: np.ndarray  # (K,)
    value: np.ndarray  # (K, n_values)
    impurity: np.ndarray  # (K,)
    n_node_samples: np.ndarray  # (K,)
    weighted_n_node_samples: np.ndarray  # (K,)


def trees_from_levels(levels: list[Level], n_trees: int, n_features: int):
    """Number the recorded nodes in depth-first pre-order, tree by tree.

    Returns (trees, local_id): the `Tree`s and, for every global id, the node's index in its
    tree. Subtree sizes are summed bottom-up and pre-order ids handed down top-down, one
    vectorised step per level: pre(left) = pre(parent) + 1, pre(right) = pre(left) + size(left).
    """
    first_id = np.cumsum([0, *(lv.tree.size for lv in levels)])
    level_ids = [np.arange(a, b) for a, b in itertools.pairwise(first_id)]

    def stack(name):
        return np.concatenate([getattr(lv, name) for lv in levels])

    tree, parent, is_left = stack("tree"), stack("parent"), stack("is_left")
    N = tree.size
    left = np.full(N, TREE_LEAF)
    right = np.full(N, TREE_LEAF)
    child = np.flatnonzero(parent >= 0)
    left[parent[child[is_left[child]]]] = child[is_left[child]]
    right[parent[child[~is_left[child]]]] = child[~is_left[child]]

    size = np.ones(N, dtype=np.int64)
    for ids in reversed(level_ids):
        inner = ids[left[ids] >= 0]
        size[inner] += size[left[inner]] + size[right[inner]]
    pre = np.zeros(N, dtype=np.int64)
    for ids in level_ids:
        inner = ids[left[ids] >= 0]
        pre[left[inner]] = pre[inner] + 1
        pre[right[inner]] = pre[inner] + 1 + size[left[inner]]

    counts = np.bincount(tree, minlength=n_trees)
    offsets = np.cumsum(counts) - counts
    new = offsets[tree] + pre

    def reorder(values):
        out = np.empty_like(values)
        out[new] = values
        return out

    children_left = reorder(np.where(left >= 0, pre[np.maximum(left, 0)], TREE_LEAF))
    children_right = reorder(np.where(right >= 0, pre[np.maximum(right, 0)], TREE_LEAF))
    arrays = {
        name: reorder(stack(name))
        for name in (
            "feature",
            "threshold",
            "value",
            "impurity",
            "n_node_samples",
            "weighted_n_node_samples",
        )
    }
    max_depth = np.zeros(n_trees, dtype=np.int64)
    for depth, lv in enumerate(levels):
        max_depth[lv.tree] = depth
    trees = []
    for t in range(n_trees):
        s = slice(offsets[t], offsets[t] + counts[t])
        trees.append(
            Tree(
                n_features,
                children_left[s],
                children_right[s],
                arrays["feature"][s],
                arrays["threshold"][s],
                arrays["value"][s][:, None, :],
                arrays["impurity"][s],
                arrays["n_node_samples"][s],
                arrays["weighted_n_node_samples"][s],
                int(max_depth[t]),
            )
        )
    return trees, pre
