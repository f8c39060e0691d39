"""Exact CART growth (Breiman, Friedman, Olshen & Stone 1984, ch. 2-4), one level at a time.

scikit-learn grows a tree node by node; here all nodes of one depth, in all trees of a batch,
are split together, so the Python loop runs once per level and the work inside is a handful of
array passes. For one level:

1. every candidate node draws its features (all of them, or `max_features` in random order);
2. each (node, feature) pair lists the node's samples, and one integer sort orders every pair's
   samples by feature value at once (key = pair | rank of the value | sample id);
3. equal values (closer than FEATURE_THRESHOLD, as in scikit-learn) form runs, a split can only
   fall between runs; per-run class counts (or sums of y) come from one `bincount`, and a
   cumulative sum over runs gives the left side of every threshold of every pair;
4. the impurity proxy of every threshold is evaluated together; each node keeps the first best
   (pairs are visited in the node's random feature order, thresholds from left to right, exactly
   the order scikit-learn's best splitter uses, so ties resolve the same way when the feature
   order is the same);
5. samples move to their child with one more sort (key = child | sample id).

Thresholds are midpoints v_left/2 + v_right/2 of float32 feature values, and the proxies are the
same floating-point formulas scikit-learn uses, so on data without ties in the criterion the tree
is identical to scikit-learn's.

Samples of tree t in a batch of T trees get the ids t·n + i ("pseudo samples"), so per-sample
arrays (weights, targets) hold all trees side by side; a sample weight of 0 leaves a sample out.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from nashai.ml.tree._tree import TREE_UNDEFINED, Level, Tree, trees_from_levels

FEATURE_THRESHOLD = np.float32(1e-7)  # values closer than this are ties (scikit-learn's rule)
EPSILON = np.finfo(np.float64).eps
ELEMENTS_PER_CHUNK = 1 << 15  # (pair, sample) elements evaluated per vectorised pass
COUNT_FACTOR = 2
KEY_BITS = 63  # a sort key packs pair | rank | sample id into one non-negative int64


@dataclass(frozen=True)
class GrowthParams:
    """Stopping rules and split search settings, already resolved to numbers."""

    criterion: str  # "gini", "entropy" or "squared_error"
    n_classes: int  # 1 for regression
    max_depth: int
    min_samples_split: int
    min_samples_leaf: int
    max_features: int
    min_impurity_decrease: float


class SortedFeatures:
    """X (n_samples, n_features) as float32, feature-major, with the dense rank of each value.

    Built once per data set; a forest shares it across all its trees.
    """

    def __init__(self, X: np.ndarray) -> None:
        values = np.ascontiguousarray(np.asarray(X, dtype=np.float32).T)  # (F, n)
        order = argsort_rows(values)
        sorted_values = np.take_along_axis(values, order, axis=1)
        is_new = np.ones(sorted_values.shape, dtype=bool)
        is_new[:, 1:] = sorted_values[:, 1:] != sorted_values[:, :-1]
        dense_rank = np.cumsum(is_new, axis=1) - 1
        ranks = np.empty_like(dense_rank)
        np.put_along_axis(ranks, order, dense_rank, axis=1)
        unique_values = np.zeros_like(values)  # row f: the distinct values of f, ascending
        np.put_along_axis(unique_values, dense_rank, sorted_values, axis=1)
        self.n_features, self.n_samples = values.shape
        # flat, feature-major: entry f·n + i
        self.values = values.ravel()  # value of sample i
        self.ranks = ranks.ravel()  # rank of that value among the distinct values of f
        self.unique_values = unique_values.ravel()  # the distinct value of rank i
        self.rank_bits = max(int(dense_rank.max()).bit_length(), 1)
        self.n_unique = dense_rank[:, -1] + 1  # distinct values per feature


def argsort_rows(values: np.ndarray) -> np.ndarray:
    """np.argsort(values, axis=1) of a float32 (F, n) array, through one integer sort.

    The float bits, with the non-sign bits of negatives flipped, are integers in the same
    order as the floats; the column index goes in the low bits of the key.
    """
    bits = values.view(np.int32).astype(np.int64)
    bits ^= (bits >> 31) & 0x7FFFFFFF
    index_bits = max(int(values.shape[1] - 1).bit_length(), 1)
    key = (bits << index_bits) | np.arange(values.shape[1])
    key.sort(axis=1)
    return key & ((1 << index_bits) - 1)


def grow_trees(
    features: SortedFeatures,
    y: np.ndarray,
    sample_weights: np.ndarray,
    params: GrowthParams,
    rng: np.random.Generator,
) -> list[Tree]:
    """Grow one tree per row of `sample_weights` (T, n_samples) on the same data.

    y: (n_samples,) int class codes 0..n_classes-1, or float targets for "squared_error".
    Returns T `Tree`s in scikit-learn's node order.
    """
    return _Builder(features, y, sample_weights, params, rng).grow()


def segment_positions(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s + l) over the segments: (sum(lengths),) int64."""
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))


def group_starts(labels: np.ndarray) -> np.ndarray:
    """Indices where a grouped label array starts a new group: (n_groups,)."""
    new = np.empty(labels.size, dtype=bool)
    new[:1] = True
    np.not_equal(labels[1:], labels[:-1], out=new[1:])
    return np.flatnonzero(new)


def group_ends(starts: np.ndarray, size: int) -> np.ndarray:
    """One past the last index of each group, given the group starts and the total size."""
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[-1:] = size
    return ends


def gini(counts: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Gini index 1 − Σ_k (n_k / n)², counts (C, m), weight n (m,) -> (m,)."""
    square_sum = counts[0] * counts[0]
    for k in range(1, counts.shape[0]):  # classes in order, as scikit-learn sums them
        square_sum += counts[k] * counts[k]
    return 1.0 - square_sum / (weight * weight)


def entropy(counts: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Entropy −Σ_k p_k log2 p_k with p_k = n_k / n, counts (C, m) -> (m,)."""
    result = np.zeros(counts.shape[1])
    for k in range(counts.shape[0]):  # classes in order, as scikit-learn sums them
        p = counts[k] / weight
        with np.errstate(divide="ignore", invalid="ignore"):
            result -= np.where(p > 0.0, p * (np.log(p) / np.log(2.0)), 0.0)
    return result


@dataclass
class _Nodes:
    """The nodes of one level: their samples (contiguous per node) and statistics."""

    samples: np.ndarray  # pseudo sample ids grouped by node
    start: np.ndarray  # (K,) first position of each node in `samples`
    n: np.ndarray  # (K,) distinct samples
    tree: np.ndarray  # (K,) tree of the node
    parent: np.ndarray  # (K,) global id of the parent, -1 for roots
    is_left: np.ndarray  # (K,) bool
    weight: np.ndarray  # (K,) total sample weight
    stat: np.ndarray  # (K, C) class weights, or (K, 2) [Σw, Σw·y_centred]
    impurity: np.ndarray  # (K,)
    value: np.ndarray  # (K, V) class fractions or mean target
    constant: np.ndarray  # (K, F) bool: features known to be constant in the node


class _Builder:
    def __init__(self, features, y, sample_weights, params: GrowthParams, rng) -> None:
        self.X = features
        self.params = params
        self.rng = rng
        self.n_trees, n = sample_weights.shape
        self.n = n
        self.classification = params.criterion != "squared_error"
        self.weights = sample_weights.ravel().astype(np.float64)
        self.orig = np.tile(np.arange(n), self.n_trees)  # pseudo sample -> row of X
        if self.classification:
            self.y = np.tile(np.asarray(y, dtype=np.int64), self.n_trees)
        else:
            y = np.asarray(y, dtype=np.float64)
            self.y = np.tile(y, self.n_trees)
            # centred targets keep the running sums of the split search small
            self.y_centred = np.tile(y - y.mean(), self.n_trees)
        self.id_bits = max(int(self.weights.shape[0] - 1).bit_length(), 1)
        self.weighted = not np.all(self.weights[self.weights > 0] == 1.0)

    def row_of(self, pid: np.ndarray) -> np.ndarray:
        """Row of X of each pseudo sample."""
        return pid if self.n_trees == 1 else self.orig[pid]

    # ------------------------------------------------------------------ node statistics
    def node_stats(self, pid: np.ndarray, slot: np.ndarray, n_slots: int):
        """Weight, criterion statistics, impurity and value of the samples `pid` per `slot`."""
        w = self.weights[pid]
        weight = np.bincount(slot, weights=w, minlength=n_slots)
        if self.classification:
            C = self.params.n_classes
            stat = np.bincount(slot * C + self.y[pid], weights=w, minlength=n_slots * C)
            stat = stat.reshape(n_slots, C)
            impurity = (gini if self.params.criterion == "gini" else entropy)(stat.T, weight)
            value = stat / weight[:, None]
        else:
            yv = self.y[pid]
            total = np.bincount(slot, weights=w * yv, minlength=n_slots)
            total_sq = np.bincount(slot, weights=w * yv * yv, minlength=n_slots)
            value = (total / weight)[:, None]
            impurity = total_sq / weight - (total / weight) ** 2
            stat = np.stack(
                [weight, np.bincount(slot, weights=w * self.y_centred[pid], minlength=n_slots)],
                axis=1,
            )
        return weight, stat, impurity, value

    # ------------------------------------------------------------------ growth
    def grow(self) -> list[Tree]:
        p = self.params
        samples = np.flatnonzero(self.weights > 0)
        root_tree = samples // self.n
        n_root = np.bincount(root_tree, minlength=self.n_trees)
        weight, stat, impurity, value = self.node_stats(samples, root_tree, self.n_trees)
        self.tree_weight = weight
        nodes = _Nodes(
            samples,
            np.cumsum(n_root) - n_root,
            n_root,
            np.arange(self.n_trees),
            np.full(self.n_trees, -1),
            np.zeros(self.n_trees, dtype=bool),
            weight,
            stat,
            impurity,
            value,
            np.zeros((self.n_trees, self.X.n_features), bool),
        )
        levels = []
        next_id = 0
        depth = 0
        while nodes.n.size:
            K = nodes.n.size
            ids = np.arange(next_id, next_id + K)
            next_id += K
            feature = np.full(K, TREE_UNDEFINED)
            threshold = np.full(K, float(TREE_UNDEFINED))
            can_split = (
                (depth < p.max_depth)
                & (nodes.n >= p.min_samples_split)
                & (nodes.n >= 2 * p.min_samples_leaf)
                & (nodes.impurity > EPSILON)
            )
            children = None
            candidates = np.flatnonzero(can_split)
            if candidates.size:
                best_feature, best_threshold, constant = self.best_splits(nodes, candidates)
                nodes.constant[candidates] = constant
                found = best_feature >= 0
                split = candidates[found]
                if split.size:
                    keep, children = self.split(
                        nodes, split, best_feature[found], best_threshold[found]
                    )
                    feature[split[keep]] = best_feature[found][keep]
                    threshold[split[keep]] = best_threshold[found][keep]
                    if children is not None:
                        children.parent = ids[children.parent]
            levels.append(
                Level(
                    nodes.tree,
                    nodes.parent,
                    nodes.is_left,
                    feature,
                    threshold,
                    nodes.value,
                    nodes.impurity,
                    nodes.n,
                    nodes.weight,
                )
            )
            if children is None:
                break
            nodes = children
            depth += 1
        return trees_from_levels(levels, self.n_trees, self.X.n_features)[0]

    def split(self, nodes: _Nodes, split: np.ndarray, feature: np.ndarray, threshold: np.ndarray):
        """Send the samples of nodes `split` left (x_f <= threshold) or right.

        Returns (keep, children): which splits are kept (their weighted impurity decrease
        reaches min_impurity_decrease) and the next level's _Nodes (None if none is kept).
        """
        lengths = nodes.n[split]
        pos = segment_positions(nodes.start[split], lengths)
        pid = nodes.samples[pos]
        rank = np.repeat(np.arange(split.size), lengths)
        x = self.X.values[feature[rank] * self.n + self.row_of(pid)]
        slot = 2 * rank + (x > threshold[rank])  # left child 2j, right child 2j+1
        weight, stat, impurity, value = self.node_stats(pid, slot, 2 * split.size)
        n_child = np.bincount(slot, minlength=2 * split.size)

        w_node = nodes.weight[split]
        w_left, w_right = weight[0::2], weight[1::2]
        improvement = (w_node / self.tree_weight[nodes.tree[split]]) * (
            nodes.impurity[split]
            - w_right / w_node * impurity[1::2]
            - w_left / w_node * impurity[0::2]
        )
        keep = improvement + EPSILON >= self.params.min_impurity_decrease
        if not keep.any():
            return keep, None
        if not keep.all():
            kept = keep[rank]
            pid, slot = pid[kept], slot[kept]
        keep_slots = np.repeat(keep, 2)
        # renumber the kept children 0..2S'-1 in order, then sort samples by child
        new_slot = np.cumsum(keep_slots) - 1
        slot = new_slot[slot]
        key = np.sort((slot << self.id_bits) | pid)
        samples = key & ((1 << self.id_bits) - 1)
        n_child = n_child[keep_slots]
        accepted = split[keep]
        children = _Nodes(
            samples,
            np.cumsum(n_child) - n_child,
            n_child,
            np.repeat(nodes.tree[accepted], 2),
            np.repeat(accepted, 2),
            np.tile([True, False], accepted.size),
            weight[keep_slots],
            stat[keep_slots],
            impurity[keep_slots],
            value[keep_slots],
            nodes.constant[np.repeat(accepted, 2)],
        )
        return keep, children

    # ------------------------------------------------------------------ split search
    def best_splits(self, nodes: _Nodes, candidates: np.ndarray):
        """Best (feature, threshold) of each candidate node; feature -1 where none is valid.

        Features are visited in a random order per node. With max_features < n_features the
        first max_features of that order are searched; if all of them are constant in the node
        the search goes on to the next non-constant feature (scikit-learn's rule). Features
        constant in an ancestor are constant here too: they count as visited, but are not sorted.
        Also returns the updated (K, n_features) known-constant mask of the candidates.
        """
        F = self.X.n_features
        K = candidates.size
        max_features = min(self.params.max_features, F)
        order = np.argsort(self.rng.random((K, F)), axis=1)
        best = _Best(K, nodes.constant[candidates])
        drawn = order[:, :max_features]
        usable = ~np.take_along_axis(best.constant, drawn, axis=1)
        pair_node = np.repeat(np.arange(K), max_features)[usable.ravel()]
        pair_feature = drawn[usable]
        if pair_node.size:
            self.evaluate_pairs(nodes, candidates, pair_node, pair_feature, best)
        if max_features < F:
            stuck = np.flatnonzero(~best.has_candidate)
            if stuck.size:
                pair_node, pair_feature = self.first_non_constant(
                    nodes, candidates, stuck, order[stuck, max_features:], best.constant
                )
                if pair_node.size:
                    self.evaluate_pairs(nodes, candidates, pair_node, pair_feature, best)
        return best.feature, best.threshold, best.constant

    def first_non_constant(self, nodes, candidates, stuck, remaining, constant, block=8):
        """For each node in `stuck`, the first feature of `remaining` (its order) not constant.

        Looks `block` not-yet-known-constant features ahead per round; features found
        constant are recorded in `constant` (K, n_features). Returns the (node, feature) pairs.
        """
        found_node, found_feature = [], []
        while stuck.size:
            known = np.take_along_axis(constant[stuck], remaining, axis=1)
            ahead = ~known & (np.cumsum(~known, axis=1) <= block)
            row, col = np.nonzero(ahead)
            if row.size == 0:
                break
            pair_feature = remaining[row, col]
            lengths = nodes.n[candidates[stuck[row]]]
            pid = nodes.samples[segment_positions(nodes.start[candidates[stuck[row]]], lengths)]
            x = self.X.values[np.repeat(pair_feature * self.n, lengths) + self.row_of(pid)]
            offsets = np.cumsum(lengths) - lengths
            varies = np.maximum.reduceat(x, offsets) > np.minimum.reduceat(x, offsets) + (
                FEATURE_THRESHOLD
            )
            constant[stuck[row[~varies]], pair_feature[~varies]] = True
            first = np.flatnonzero(varies)
            first = first[group_starts(row[first])] if first.size else first
            found_node.append(stuck[row[first]])
            found_feature.append(pair_feature[first])
            resolved = np.zeros(stuck.size, dtype=bool)
            resolved[row[first]] = True
            stuck, remaining = stuck[~resolved], remaining[~resolved]
        if not found_node:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        pair_node = np.concatenate(found_node)
        order = np.argsort(pair_node, kind="stable")  # pairs must be grouped by node
        return pair_node[order], np.concatenate(found_feature)[order]

    def evaluate_pairs(self, nodes, candidates, pair_node, pair_feature, best) -> None:
        """Search the (candidate node, feature) pairs in chunks of ~ELEMENTS_PER_CHUNK samples."""
        lengths = nodes.n[candidates[pair_node]]
        ends = np.cumsum(lengths)
        cuts = np.searchsorted(ends, np.arange(ELEMENTS_PER_CHUNK, ends[-1], ELEMENTS_PER_CHUNK))
        bounds = np.unique(np.concatenate([[0], cuts + 1, [pair_node.size]]))
        for a, b in itertools.pairwise(bounds):
            self.evaluate_chunk(nodes, candidates, pair_node[a:b], pair_feature[a:b], best)

    def evaluate_chunk(self, nodes, candidates, pair_node, pair_feature, best) -> None:
        """Best split of each node over the given (node, feature) pairs; updates `best`.

        The samples of each pair are grouped into runs of tied values (see `_Runs`); every
        boundary between two runs of a pair is a threshold, scored from cumulative sums.
        """
        p = self.params
        node = candidates[pair_node]
        lengths = nodes.n[node]
        pid = nodes.samples[segment_positions(nodes.start[node], lengths)]
        n_values = int(self.X.n_unique[pair_feature].max())
        n_stats = p.n_classes if self.classification else 2
        if pair_node.size * n_values * n_stats <= COUNT_FACTOR * pid.size:
            runs = self.runs_by_counting(pid, lengths, pair_feature, n_values)
        else:
            runs = self.runs_by_sorting(pid, lengths, pair_feature)

        constant = runs.per_pair == 1
        best.constant[pair_node[constant], pair_feature[constant]] = True
        best.has_candidate[pair_node[~constant]] = True
        if constant.all():
            return

        # left statistics of the split after each run: a cumulative sum restarting per pair
        left = runs.stat
        pair_total = np.add.reduceat(left, runs.pair_first, axis=1)
        left[:, runs.pair_first[1:]] -= pair_total[:, :-1]
        np.cumsum(left, axis=1, out=left)
        if self.classification:
            pair_total = nodes.stat[node].T  # exact class weights of the node
        right = np.repeat(pair_total, runs.per_pair, axis=1)
        right -= left

        with np.errstate(divide="ignore", invalid="ignore"):
            if self.classification:
                w_left = left[0].copy()
                for k in range(1, p.n_classes):
                    w_left += left[k]
                w_right = np.repeat(nodes.weight[node], runs.per_pair)
                w_right -= w_left
                impurity = gini if p.criterion == "gini" else entropy
                proxy = impurity(right, w_right)
                proxy *= -w_right
                proxy -= w_left * impurity(left, w_left)
            else:
                proxy = left[1] ** 2 / left[0]
                proxy += right[1] ** 2 / right[0]
        proxy[runs.pair_first[1:] - 1] = -np.inf  # the last run of a pair has nothing on its right
        proxy[-1] = -np.inf
        if p.min_samples_leaf > 1:
            n_left = runs.n.copy()
            n_left[runs.pair_first[1:]] -= np.add.reduceat(runs.n, runs.pair_first)[:-1]
            np.cumsum(n_left, out=n_left)
            n_right = np.repeat(lengths, runs.per_pair) - n_left
            proxy[(n_left < p.min_samples_leaf) | (n_right < p.min_samples_leaf)] = -np.inf

        # first maximum per node (runs are ordered by node, feature order, threshold)
        node_first_pair = group_starts(pair_node)
        seg = runs.pair_first[node_first_pair]
        seg_node = pair_node[node_first_pair]
        seg_max = np.maximum.reduceat(proxy, seg)
        seg_end = group_ends(seg, proxy.size)
        hits = np.flatnonzero(proxy == np.repeat(seg_max, seg_end - seg))
        first = hits[np.minimum(np.searchsorted(hits, seg), hits.size - 1)]
        better = (seg_max > -np.inf) & (seg_max > best.proxy[seg_node])
        first, winner = first[better], seg_node[better]
        best.proxy[winner] = proxy[first]
        pair = np.searchsorted(runs.pair_first, first, side="right") - 1
        best.feature[winner] = pair_feature[pair]
        # halfway between the largest value sent left and the smallest sent right
        low, high = runs.low[first + 1].astype(np.float64), runs.high[first].astype(np.float64)
        best.threshold[winner] = high / 2.0 + low / 2.0

    def run_stats(self, pid: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
        """Criterion statistics of the samples `pid` summed per group: (C or 2, n_groups)."""
        w = self.weights[pid] if self.weighted else None
        if self.classification:
            C = self.params.n_classes
            stat = np.bincount(self.y[pid] * n_groups + group, weights=w, minlength=C * n_groups)
            return stat.reshape(C, n_groups)
        yw = self.y_centred[pid] if w is None else self.y_centred[pid] * w
        return np.stack(
            [
                np.bincount(group, weights=w, minlength=n_groups),
                np.bincount(group, weights=yw, minlength=n_groups),
            ]
        )

    def runs_by_sorting(self, pid, lengths, pair_feature) -> _Runs:
        """Runs of every pair after one sort of all elements by key = pair | rank | sample id."""
        n_pairs = lengths.size
        pair_start = np.cumsum(lengths) - lengths
        feature_offset = np.repeat(pair_feature * self.n, lengths)
        rank = self.X.ranks[feature_offset + self.row_of(pid)]
        rank_bits, id_bits = self.X.rank_bits, self.id_bits
        if n_pairs.bit_length() + rank_bits + id_bits <= KEY_BITS:
            key = np.repeat(np.arange(n_pairs) << (rank_bits + id_bits), lengths)
            rank <<= id_bits
            key |= rank
            key |= pid
            key.sort()
            pid = key & ((1 << id_bits) - 1)
            key >>= id_bits
            key &= (1 << rank_bits) - 1
            rank = key
        else:  # too many bits to pack: sort (pair, rank) and carry the ids along
            order = np.argsort(np.repeat(np.arange(n_pairs) << rank_bits, lengths) | rank)
            pid, rank = pid[order], rank[order]
        v = self.X.unique_values[feature_offset + rank]
        run_start = np.empty(v.size, dtype=bool)
        run_start[0] = True
        np.greater(v[1:], v[:-1] + FEATURE_THRESHOLD, out=run_start[1:])
        run_start[pair_start] = True
        first = np.flatnonzero(run_start)
        stat = self.run_stats(pid, np.cumsum(run_start) - 1, first.size)
        after = group_ends(first, v.size)
        return _Runs(
            stat, after - first, v[first], v[after - 1], np.searchsorted(first, pair_start)
        )

    def runs_by_counting(self, pid, lengths, pair_feature, n_values) -> _Runs:
        """Runs of every pair by counting (pair, value rank) cells: no sort, for features with
        few distinct values (n_pairs · n_values cells)."""
        n_pairs = lengths.size
        feature_offset = np.repeat(pair_feature * self.n, lengths)
        cell = self.X.ranks[feature_offset + self.row_of(pid)]
        cell += np.repeat(np.arange(n_pairs) * n_values, lengths)
        count = np.bincount(cell, minlength=n_pairs * n_values)
        present = np.flatnonzero(count)
        stat = self.run_stats(pid, cell, n_pairs * n_values)[:, present]
        run_pair = present // n_values
        v = self.X.unique_values[pair_feature[run_pair] * self.n + present % n_values]
        pair_first = np.searchsorted(run_pair, np.arange(n_pairs))
        run_start = np.empty(v.size, dtype=bool)
        run_start[0] = True
        np.greater(v[1:], v[:-1] + FEATURE_THRESHOLD, out=run_start[1:])
        run_start[pair_first] = True
        if run_start.all():
            return _Runs(stat, count[present], v, v, pair_first)
        first = np.flatnonzero(run_start)  # merge values closer than FEATURE_THRESHOLD
        after = group_ends(first, v.size)
        return _Runs(
            np.add.reduceat(stat, first, axis=1),
            np.add.reduceat(count[present], first),
            v[first],
            v[after - 1],
            np.searchsorted(first, pair_first),
        )


@dataclass
class _Runs:
    """Runs of one chunk: maximal blocks of tied values (differences <= FEATURE_THRESHOLD,
    scikit-learn's rule) of each pair, in (pair, value) order. A split falls between runs."""

    stat: np.ndarray  # (C or 2, G) class weights, or [Σw, Σw·y], of each run
    n: np.ndarray  # (G,) distinct samples in each run
    low: np.ndarray  # (G,) smallest value of the run (float32)
    high: np.ndarray  # (G,) largest value of the run
    pair_first: np.ndarray  # (P,) index of each pair's first run

    def __post_init__(self) -> None:
        self.per_pair = group_ends(self.pair_first, self.n.size) - self.pair_first


class _Best:
    """Running best split per candidate node."""

    def __init__(self, K: int, constant: np.ndarray) -> None:
        self.constant = constant  # (K, n_features) features known to be constant
        self.proxy = np.full(K, -np.inf)
        self.feature = np.full(K, -1)
        self.threshold = np.zeros(K)
        self.has_candidate = np.zeros(K, dtype=bool)  # some searched feature was not constant
