"""Least-squares regression trees grown on binned features, for gradient boosting.

The data are binned once (`BinnedFeatures`): each feature gets at most `max_bins` bins whose
edges are the midpoints between its distinct values, or between quantiles when it has more
distinct values than bins. A node's split search then needs only two histograms per feature,
the sample count and the target sum per bin (one `np.bincount` each over all features at once);
a cumulative sum over bins gives the left side of every threshold. A child's histograms are its
parent's minus its sibling's, so per level only the smaller children are counted (the
"subtraction trick" of LightGBM, Ke et al. 2017, and scikit-learn's HistGradientBoosting).

Splits maximise the least-squares proxy S_L²/N_L + S_R²/N_R, as the exact CART regressor does,
but only between bins. The threshold is then placed as CART places it, halfway between the
largest value sent left and the smallest sent right among the node's samples, so with fewer
distinct values than bins the tree is the exact CART tree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nashai.ml.tree._tree import TREE_UNDEFINED, Level, Tree, trees_from_levels

EPSILON = np.finfo(np.float64).eps


class BinnedFeatures:
    """X (n_samples, n_features) as uint8 bin codes; x <= edges[f][b] exactly when code <= b.

    Values are rounded to float32 first, as scikit-learn's trees do.
    """

    def __init__(self, X: np.ndarray, max_bins: int = 255) -> None:
        X = np.asarray(X, dtype=np.float32).astype(np.float64)
        n_samples, n_features = X.shape
        self.values = X
        self.edges = []
        codes = np.empty((n_samples, n_features), dtype=np.uint8)
        for f in range(n_features):
            column = X[:, f]
            distinct = np.unique(column)
            if distinct.size <= max_bins:
                edges = (distinct[:-1] + distinct[1:]) * 0.5
            else:
                percents = np.linspace(0, 100, max_bins + 1)[1:-1]
                edges = np.unique(np.percentile(column, percents, method="midpoint"))
            codes[:, f] = np.searchsorted(edges, column, side="left")
            self.edges.append(edges)
        self.n_features = n_features
        self.n_bins = max(e.size for e in self.edges) + 1
        self.codes = codes  # (n, F)
        # bincount keys: feature f's bins occupy [f·n_bins, (f+1)·n_bins)
        self.keys = codes.astype(np.int64) + np.arange(n_features) * self.n_bins


@dataclass(frozen=True)
class HistParams:
    max_depth: int
    min_samples_split: int
    min_samples_leaf: int
    min_impurity_decrease: float
    max_features: int


def grow_hist_tree(
    binned: BinnedFeatures,
    rows: np.ndarray,
    target: np.ndarray,
    params: HistParams,
    rng: np.random.Generator,
) -> tuple[Tree, np.ndarray]:
    """Least-squares tree of `target` (m,) on the rows `rows` (m,) of the binned data.

    Returns the Tree (values: mean target per node) and the leaf index of each of the m rows.
    """
    m = rows.size
    target = np.asarray(target, dtype=np.float64)
    node_of_row = np.zeros(m, dtype=np.int64)  # slot of each active row in the current level
    active = np.arange(m)  # positions (into rows) of rows in nodes still being split
    leaf_of_row = np.zeros(m, dtype=np.int64)  # global node id of each row's leaf
    count, total = _histograms(binned, rows, target, np.zeros(m, dtype=np.int64), 1)
    n_node = np.array([m])
    stats = _node_stats(target, node_of_row, 1)

    levels = []
    parent = np.array([-1])
    is_left = np.array([False])
    next_id = 0
    depth = 0
    while True:
        K = n_node.size
        ids = np.arange(next_id, next_id + K)
        next_id += K
        sums, square_sums = stats
        impurity = square_sums / n_node - (sums / n_node) ** 2
        feature = np.full(K, TREE_UNDEFINED)
        bin_index = np.zeros(K, dtype=np.int64)
        can_split = (
            (depth < params.max_depth)
            & (n_node >= params.min_samples_split)
            & (n_node >= 2 * params.min_samples_leaf)
            & (impurity > EPSILON)
        )
        split = np.flatnonzero(can_split)
        if split.size and count is not None:
            f, b, proxy = _best_bins(
                count[split], total[split], n_node[split], sums[split], params, rng
            )
            gain = (proxy - sums[split] ** 2 / n_node[split]) / m
            ok = (proxy > -np.inf) & (gain + EPSILON >= params.min_impurity_decrease)
            split, f, b = split[ok], f[ok], b[ok]
            feature[split], bin_index[split] = f, b
        # rows of the nodes that stay leaves are done
        slot_of = node_of_row[active]
        done = feature[slot_of] < 0
        leaf_of_row[active[done]] = ids[slot_of[done]]
        active, slot_of = active[~done], slot_of[~done]
        # split node j (rank among splits) sends its rows to slots 2j (left) and 2j+1 (right)
        rank = np.full(K, -1)
        rank[split] = np.arange(split.size)
        j = rank[slot_of]
        goes_right = binned.codes[rows[active], feature[slot_of]] > bin_index[slot_of]
        threshold = np.full(K, float(TREE_UNDEFINED))
        threshold[split] = _midpoints(
            binned.values[rows[active], feature[slot_of]], j, goes_right, split.size
        )
        levels.append(
            Level(
                np.zeros(K, dtype=np.int64),
                parent,
                is_left,
                feature,
                threshold,
                (sums / n_node)[:, None],
                impurity,
                n_node,
                n_node.astype(np.float64),
            )
        )
        if split.size == 0:
            break

        child = 2 * j + goes_right
        node_of_row[active] = child
        n_child = np.bincount(child, minlength=2 * split.size)
        stats = _node_stats(target[active], child, 2 * split.size)
        if depth + 1 < params.max_depth:
            count, total = _children_histograms(
                binned, rows[active], target[active], child, n_child, count[split], total[split]
            )
        else:
            count = total = None  # the children will be leaves: no split search
        n_node = n_child
        parent = np.repeat(ids[split], 2)
        is_left = np.tile([True, False], split.size)
        depth += 1

    trees, local_id = trees_from_levels(levels, 1, binned.n_features)
    return trees[0], local_id[leaf_of_row]


def _midpoints(x: np.ndarray, node: np.ndarray, goes_right: np.ndarray, n_nodes: int):
    """Per node, max(x sent left)/2 + min(x sent right)/2: CART's threshold for the partition."""
    left_max = np.full(n_nodes, -np.inf)
    right_min = np.full(n_nodes, np.inf)
    np.maximum.at(left_max, node[~goes_right], x[~goes_right])
    np.minimum.at(right_min, node[goes_right], x[goes_right])
    return left_max / 2.0 + right_min / 2.0


def _node_stats(target: np.ndarray, slot: np.ndarray, n_slots: int):
    """(Σ y, Σ y²) per slot."""
    return (
        np.bincount(slot, weights=target, minlength=n_slots),
        np.bincount(slot, weights=target * target, minlength=n_slots),
    )


def _histograms(binned, rows, target, slot, n_slots):
    """Count and target-sum histograms (n_slots, F, B) of the rows, by slot."""
    F, B = binned.n_features, binned.n_bins
    keys = binned.keys[rows]  # (m, F)
    keys += (slot * (F * B))[:, None]
    keys = keys.ravel()
    size = n_slots * F * B
    count = np.bincount(keys, minlength=size).reshape(n_slots, F, B)
    total = np.bincount(keys, weights=np.repeat(target, F), minlength=size)
    return count, total.reshape(n_slots, F, B)


def _children_histograms(binned, rows, target, child, n_child, parent_count, parent_total):
    """Histograms of all children: count the smaller child of each pair, subtract for the other."""
    left_small = n_child[0::2] <= n_child[1::2]
    small_slot = 2 * np.arange(left_small.size) + ~left_small  # slot of the smaller child
    is_small = np.zeros(n_child.size, dtype=bool)
    is_small[small_slot] = True
    take = is_small[child]
    count_small, total_small = _histograms(
        binned, rows[take], target[take], child[take] // 2, left_small.size
    )
    count = np.empty((n_child.size, *parent_count.shape[1:]), dtype=parent_count.dtype)
    total = np.empty(count.shape)
    count[small_slot], total[small_slot] = count_small, total_small
    big_slot = small_slot ^ 1
    count[big_slot] = parent_count - count_small
    total[big_slot] = parent_total - total_small
    return count, total


def _best_bins(count, total, n_node, sums, params: HistParams, rng):
    """Best (feature, bin) per node from its histograms (K, F, B): maximises S_L²/N_L + S_R²/N_R.

    A split at bin b sends bins <= b left. Returns (feature, bin, proxy), proxy -inf where no
    split leaves min_samples_leaf samples on both sides.
    """
    K, F, B = count.shape
    n_left = np.cumsum(count, axis=2)
    sum_left = np.cumsum(total, axis=2)
    n_right = n_node[:, None, None] - n_left
    sum_right = sums[:, None, None] - sum_left
    with np.errstate(divide="ignore", invalid="ignore"):
        proxy = sum_left**2 / n_left + sum_right**2 / n_right
    valid = (n_left >= params.min_samples_leaf) & (n_right >= params.min_samples_leaf)
    if params.max_features < F:
        keys = rng.random((K, F))  # each node searches a random subset of the features
        kth = np.partition(keys, params.max_features - 1, axis=1)[:, params.max_features - 1]
        valid &= (keys <= kth[:, None])[:, :, None]
    proxy = np.where(valid, proxy, -np.inf).reshape(K, F * B)
    best = np.argmax(proxy, axis=1)
    return best // B, best % B, proxy[np.arange(K), best]
