"""A KD-tree in flat arrays with batched k-nearest-neighbour queries.

Build (Bentley 1975; Friedman, Bentley & Finkel 1977): the root holds all points; every node
splits its points at the median of the dimension of largest spread, left child the lower half.
Nodes are numbered heap-style (children of i are 2i+1, 2i+2) and each covers a contiguous slice
`idx_array[start:end]` of a permutation of the points, so the tree is a handful of arrays and
one level is built for all its nodes at once with a single lexsort. As in scikit-learn,
n_levels = 1 + ⌊log₂ max(1, (n − 1) // leaf_size)⌋, so every leaf holds between leaf_size and
2·leaf_size points (fewer only when n < leaf_size).

Query, for a batch of points at once:
  1. descend each query to the deepest node with at least k points and take the k-th smallest
     distance to that node's points as an upper bound r on its k-th neighbour distance;
  2. walk the tree breadth-first, keeping a (query, node) pair only when the distance from the
     query to the node's bounding box is ≤ r (no point in a box can be nearer than the box),
     down to the parents of the leaves;
  3. scan those nodes one at a time: for all queries still needing a node, distances to its
     points by one matmul, merged into their k best so far, which tightens r for the nodes
     that follow (pairs whose box is now beyond r are skipped);
  4. recompute the k distances exactly and sort them.

Distances are Minkowski, (Σⱼ |xⱼ − yⱼ|ᵖ)^(1/p) for p ≥ 1; internally the "reduced" distance
Σⱼ |xⱼ − yⱼ|ᵖ (which orders points the same way) is used throughout.
"""

from __future__ import annotations

import numpy as np

_QUERY_BLOCK_ELEMENTS = 1 << 16  # queries × features per block (bounds the pair arrays)


def reduced_distance(diff: np.ndarray, p: float) -> np.ndarray:
    """Σⱼ |diffⱼ|ᵖ over the last axis (the p-th power of the Minkowski distance)."""
    if p == 2:
        return np.einsum("...j,...j->...", diff, diff)
    if p == 1:
        return np.abs(diff).sum(axis=-1)
    return (np.abs(diff) ** p).sum(axis=-1)


def distance_from_reduced(reduced: np.ndarray, p: float) -> np.ndarray:
    if p == 2:
        return np.sqrt(reduced)
    if p == 1:
        return reduced
    return reduced ** (1.0 / p)


class KDTree:
    """KD-tree over `data` (n, d) answering k-nearest-neighbour queries in the Minkowski p-metric.

    Arrays (n_nodes = 2^n_levels − 1): idx_array (n,) the point permutation; node_start,
    node_end (n_nodes,) each node's slice of it; node_lower, node_upper (n_nodes, d) its
    bounding box; split_dim, split_value (n_nodes,) the median split of internal nodes.
    """

    def __init__(self, data: np.ndarray, leaf_size: int = 40, p: float = 2.0):
        self.data = np.ascontiguousarray(data, dtype=np.float64)
        self.leaf_size = leaf_size
        self.p = p
        n, d = self.data.shape
        self.n_levels = 1 + int(np.log2(max(1, (n - 1) // leaf_size)))
        n_nodes = 2**self.n_levels - 1
        self.node_start = np.empty(n_nodes, dtype=np.intp)
        self.node_end = np.empty(n_nodes, dtype=np.intp)
        self.node_lower = np.empty((n_nodes, d))
        self.node_upper = np.empty((n_nodes, d))
        self.split_dim = np.zeros(n_nodes, dtype=np.intp)
        self.split_value = np.zeros(n_nodes)
        self._build()

    def _build(self) -> None:
        n = self.data.shape[0]
        idx = np.arange(n)
        start, end = np.array([0]), np.array([n])  # the slices of this level's nodes, in order
        for level in range(self.n_levels):
            nodes = np.arange(2**level - 1, 2 ** (level + 1) - 1)
            points = self.data[idx]  # (n, d) in tree order: each node is a contiguous block
            self.node_start[nodes], self.node_end[nodes] = start, end
            self.node_lower[nodes] = np.minimum.reduceat(points, start, axis=0)
            self.node_upper[nodes] = np.maximum.reduceat(points, start, axis=0)
            if level == self.n_levels - 1:
                break
            dim = np.argmax(self.node_upper[nodes] - self.node_lower[nodes], axis=1)
            node_of_point = np.repeat(np.arange(len(nodes)), end - start)
            key = points[np.arange(n), dim[node_of_point]]
            order = np.lexsort((key, node_of_point))  # sort each node's block along its dim
            idx = idx[order]
            mid = start + (end - start) // 2
            self.split_dim[nodes] = dim
            self.split_value[nodes] = self.data[idx[mid], dim]
            start = np.stack([start, mid], axis=1).ravel()
            end = np.stack([mid, end], axis=1).ravel()
        self.idx_array = idx
        # Queries work in coordinates centred on the data mean (the expanded ‖x − y‖² then
        # loses less to cancellation), with the points stored contiguously in tree order.
        self.center = self.data.mean(axis=0)
        self._points = self.data[idx] - self.center
        self._points_sq = np.einsum("ij,ij->i", self._points, self._points)
        self._lower = self.node_lower - self.center
        self._upper = self.node_upper - self.center
        self._split = self.split_value - self.center[self.split_dim]
        # Queries scan the parents of the leaves: with NumPy a few dozen more distances, done
        # by one matmul, cost less than one more level of box tests for every (query, node).
        self._scan_level = max(0, self.n_levels - 2)

    def query(self, X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest points to each row of X (m, d): distances and indices, (m, k) each,
        sorted by increasing distance (ties by index)."""
        centred = X - self.center
        block = max(64, _QUERY_BLOCK_ELEMENTS // X.shape[1])
        ind = np.empty((X.shape[0], k), dtype=np.intp)
        for s in range(0, X.shape[0], block):
            ind[s : s + block] = self._query_block(centred[s : s + block], k)
        reduced = reduced_distance(self.data[ind] - X[:, None, :], self.p)
        dist, ind = k_smallest(reduced, ind, k)  # exact distances, sorted
        return distance_from_reduced(dist, self.p), ind

    def _query_block(self, X: np.ndarray, k: int) -> np.ndarray:
        """Indices (m, k) of the k nearest points of each (centred) query, unsorted."""
        m = X.shape[0]
        bound = self._initial_bound(X, k)
        query, node, lower = self._candidate_nodes(X, bound)
        order = np.argsort(node, kind="stable")  # group the (query, node) pairs by node
        query, node, lower = query[order], node[order], lower[order]
        first = np.flatnonzero(np.r_[True, node[1:] != node[:-1]])
        last = np.r_[first[1:], len(node)]

        best = np.full((m, k), np.inf)  # the k best reduced distances so far and their points
        best_index = np.zeros((m, k), dtype=np.intp)
        x_sq = np.einsum("ij,ij->i", X, X)
        # the expanded square is off by a few ulps of ‖x‖² + ‖y‖²: widen the bound by more
        slack = 1e-12 * (x_sq + self._points_sq.max()) if self.p == 2 else np.zeros(m)
        for a, b in zip(first, last, strict=True):
            qs = query[a:b][lower[a:b] <= bound[query[a:b]]]  # prune with the tightened bound
            if qs.size == 0:
                continue
            s, e = self.node_start[node[a]], self.node_end[node[a]]
            points = self._points[s:e]
            if self.p == 2:  # ‖x − y‖² = ‖x‖² − 2 x·y + ‖y‖²: one matmul per node
                reduced = x_sq[qs, None] - 2.0 * (X[qs] @ points.T) + self._points_sq[s:e]
                np.maximum(reduced, 0.0, out=reduced)
            else:
                reduced = reduced_distance(X[qs][:, None, :] - points, self.p)
            merged = np.concatenate([best[qs], reduced], axis=1)
            merged_index = np.concatenate(
                [best_index[qs], np.broadcast_to(self.idx_array[s:e], reduced.shape)], axis=1
            )
            keep = np.argpartition(merged, k - 1, axis=1)[:, :k]
            best[qs] = np.take_along_axis(merged, keep, axis=1)
            best_index[qs] = np.take_along_axis(merged_index, keep, axis=1)
            bound[qs] = np.minimum(bound[qs], best[qs].max(axis=1) + slack[qs])
        return best_index

    def _candidate_nodes(self, X: np.ndarray, bound: np.ndarray):
        """Breadth-first walk keeping (query, node) pairs whose box is within the bound, down to
        the scan level. Returns the surviving (query, node, reduced box distance), (P,) each."""
        query = np.arange(X.shape[0])
        node = np.zeros(X.shape[0], dtype=np.intp)
        for level in range(self._scan_level + 1):
            if level > 0:  # expand the survivors to both children
                query = np.repeat(query, 2)
                node = (2 * node[:, None] + np.array([1, 2])).ravel()
            x = X[query]
            gap = np.maximum(self._lower[node] - x, x - self._upper[node])  # > 0 outside the box
            lower = reduced_distance(np.maximum(gap, 0.0, out=gap), self.p)
            keep = lower <= bound[query]
            query, node, lower = query[keep], node[keep], lower[keep]
        return query, node, lower

    def _initial_bound(self, X: np.ndarray, k: int) -> np.ndarray:
        """k-th smallest reduced distance to the points of the deepest node (≥ k points) on the
        query's path: an upper bound on the true k-th neighbour distance. (m, d) → (m,)."""
        n = self.data.shape[0]
        depth = max(level for level in range(self.n_levels) if n >> level >= k)
        node = np.zeros(X.shape[0], dtype=np.intp)
        for _ in range(depth):
            right = X[np.arange(X.shape[0]), self.split_dim[node]] >= self._split[node]
            node = 2 * node + 1 + right
        start, count = self.node_start[node], self.node_end[node] - self.node_start[node]
        offsets = np.arange(int(count.max()))
        slot = start[:, None] + np.minimum(offsets, count[:, None] - 1)  # (m, S), padded
        reduced = reduced_distance(self._points[slot] - X[:, None, :], self.p)
        reduced[offsets >= count[:, None]] = np.inf
        return np.partition(reduced, k - 1, axis=1)[:, k - 1] * (1 + 1e-10)


def k_smallest(reduced: np.ndarray, owner: np.ndarray | None, k: int):
    """The k smallest entries of each row, sorted (ties broken by the owner index).

    reduced (m, w) values; owner (m, w) the index each value belongs to (None: the column).
    Returns (values (m, k), owners (m, k)).
    """
    if k < reduced.shape[1]:
        cols = np.argpartition(reduced, k - 1, axis=1)[:, :k]
    else:
        cols = np.broadcast_to(np.arange(reduced.shape[1]), reduced.shape)
    values = np.take_along_axis(reduced, cols, axis=1)
    index = cols if owner is None else np.take_along_axis(owner, cols, axis=1)
    order = np.lexsort((index, values), axis=1)
    return np.take_along_axis(values, order, axis=1), np.take_along_axis(index, order, axis=1)
