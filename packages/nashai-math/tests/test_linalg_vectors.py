"""Tests for nashai.math.linalg's Vector and Matrix values against the same NumPy expressions."""

import numpy as np
import pytest

from nashai.math.linalg import Matrix, Vector

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 3))
B = RNG.standard_normal((3, 5))
S = RNG.standard_normal((4, 4))
X = RNG.standard_normal(3)
Y = RNG.standard_normal(3)


# --- construction, interop, repr -----------------------------------------------------------------


def test_values_copy_their_data_and_are_read_only():
    data = np.array([1.0, 2.0, 3.0])
    v = Vector(data)
    data[0] = 100.0
    assert v[0] == 1.0
    with pytest.raises(ValueError):
        np.asarray(v)[0] = 5.0


def test_asarray_round_trips_as_float64():
    m = Matrix([[1, 2], [3, 4]])
    array = np.asarray(m)
    assert array.dtype == np.float64 and array.shape == (2, 2)
    np.testing.assert_array_equal(array, [[1.0, 2.0], [3.0, 4.0]])
    copied = np.array(m, copy=True)
    copied[0, 0] = 9.0  # a copy is writable and leaves m alone
    assert m[0, 0] == 1.0
    assert np.asarray(m, dtype=np.float32).dtype == np.float32


def test_constructors_need_the_right_number_of_dimensions():
    with pytest.raises(ValueError, match=r"Vector needs 1-D data.*\(2, 2\)"):
        Vector([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"Matrix needs 2-D data.*\(3,\)"):
        Matrix([1.0, 2.0, 3.0])


def test_named_constructors():
    np.testing.assert_array_equal(np.asarray(Matrix.identity(3)), np.eye(3))
    np.testing.assert_array_equal(np.asarray(Matrix.zeros(2, 5)), np.zeros((2, 5)))
    np.testing.assert_array_equal(np.asarray(Vector.zeros(4)), np.zeros(4))


def test_repr_reads_like_the_constructor():
    assert repr(Vector([1.0, 2.5])) == "Vector([1. , 2.5])"
    assert repr(Matrix([[1.0, 2.0], [3.0, 4.0]])) == "Matrix([[1., 2.],\n        [3., 4.]])"
    m = Matrix(S)
    np.testing.assert_allclose(
        eval(repr(m), {"Matrix": Matrix, "array": np.array}).isclose(m), True
    )


def test_shape_len_iteration_and_indexing():
    m, v = Matrix(A), Vector(X)
    assert m.shape == (4, 3) and v.shape == (3,) and len(m) == 4 and len(v) == 3
    assert isinstance(m[1, 2], float) and m[1, 2] == A[1, 2]
    assert m[1] == Vector(A[1]) and m[:, 2] == Vector(A[:, 2])
    assert m[1:3, :2] == Matrix(A[1:3, :2])
    assert v[1:] == Vector(X[1:]) and v[-1] == X[-1]
    assert [row for row in m] == [Vector(row) for row in A]


# --- arithmetic ----------------------------------------------------------------------------------


def test_arithmetic_matches_numpy():
    m, n, v, w = Matrix(A), Matrix(2 * A + 1), Vector(X), Vector(Y)
    np.testing.assert_array_equal(np.asarray(m + n), A + (2 * A + 1))
    np.testing.assert_array_equal(np.asarray(m - n), A - (2 * A + 1))
    np.testing.assert_array_equal(np.asarray(v + w), X + Y)
    np.testing.assert_array_equal(np.asarray(2.5 * v), 2.5 * X)
    np.testing.assert_array_equal(np.asarray(v * 2.5), 2.5 * X)
    np.testing.assert_array_equal(np.asarray(np.float64(3.0) * m), 3.0 * A)
    np.testing.assert_array_equal(np.asarray(m / 4), A / 4)
    np.testing.assert_array_equal(np.asarray(-v), -X)
    assert +v is v


def test_arithmetic_shape_mismatch_names_both_shapes():
    with pytest.raises(
        ValueError, match=r"cannot add Vector of shape \(3,\) and Vector of shape \(2,\)"
    ):
        Vector(X) + Vector([1.0, 2.0])
    with pytest.raises(
        ValueError, match=r"subtract Matrix of shape \(4, 3\) and Matrix of shape \(3, 5\)"
    ):
        Matrix(A) - Matrix(B)


def test_arithmetic_refuses_mixed_types():
    with pytest.raises(TypeError):
        Vector(X) + Matrix(A)
    with pytest.raises(TypeError):
        Vector(X) + 1.0
    with pytest.raises(TypeError):
        Vector(X) * Vector(Y)  # elementwise products are not what * means here: use dot or @
    with pytest.raises(TypeError):
        np.ones(3) + Vector(X)
    with pytest.raises(TypeError):
        Vector(X) * True


# --- products ------------------------------------------------------------------------------------


def test_matmul_matches_numpy():
    m, n, v = Matrix(A), Matrix(B), Vector(X)
    product = m @ n
    assert isinstance(product, Matrix)
    np.testing.assert_allclose(np.asarray(product), A @ B, rtol=1e-15)
    image = m @ v
    assert isinstance(image, Vector)
    np.testing.assert_allclose(np.asarray(image), A @ X, rtol=1e-15)
    row = Vector(A[:, 0]) @ m
    assert isinstance(row, Vector)
    np.testing.assert_allclose(np.asarray(row), A[:, 0] @ A, rtol=1e-15)
    assert Vector(X) @ Vector(Y) == pytest.approx(X @ Y, rel=1e-15)
    assert m.dot(v) == m @ v


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"Matrix of shape \(4, 3\) by Matrix of shape \(4, 3\)"):
        Matrix(A) @ Matrix(A)
    with pytest.raises(ValueError, match=r"Matrix of shape \(3, 5\) by Vector of shape \(4,\)"):
        Matrix(B) @ Vector(np.ones(4))
    with pytest.raises(ValueError, match=r"Vector of shape \(3,\) by Matrix of shape \(4, 3\)"):
        Vector(X) @ Matrix(A)
    with pytest.raises(TypeError):
        Matrix(A) @ A  # plain arrays go through np.asarray first


def test_dot_product():
    assert Vector(X).dot(Vector(Y)) == pytest.approx(float(X @ Y), rel=1e-15)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        Vector(X).dot(Vector([1.0, 2.0]))
    with pytest.raises(TypeError, match="needs a Vector"):
        Vector(X).dot(X)


# --- equality ------------------------------------------------------------------------------------


def test_equality_is_exact_and_isclose_is_allclose():
    v = Vector(X)
    assert v == Vector(X.copy())
    assert v != Vector(X + 1e-15 * np.abs(X).max())
    assert v.isclose(Vector(X + 1e-12))
    assert not v.isclose(Vector(X + 1e-3))
    assert v.isclose(X + 1e-12)  # array-likes too
    assert not v.isclose(Vector(np.r_[X, 0.0]))  # different shapes are not close
    assert v.isclose(v + Vector([0.0, 0.0, 1e-4]), rtol=0, atol=1e-3)
    assert Matrix(A) != Matrix(A[:3]) and Matrix(A) != Vector(X)
    assert Vector([1.0, 2.0]) != Matrix([[1.0, 2.0]])


def test_equal_values_hash_alike():
    assert hash(Matrix(A)) == hash(Matrix(A.copy()))
    assert len({Vector(X), Vector(X.copy()), Vector(Y)}) == 2


# --- transpose, trace, norms, rank -------------------------------------------------------------


def test_transpose_and_trace():
    m = Matrix(A)
    assert m.T == Matrix(A.T) and m.transpose() == m.T and m.T.T == m
    assert Matrix(S).trace() == pytest.approx(np.trace(S), rel=1e-15)
    with pytest.raises(ValueError, match=r"square.*\(4, 3\)"):
        m.trace()


@pytest.mark.parametrize("ord", [1, 2, np.inf])
def test_vector_norms_match_numpy(ord):
    assert Vector(X).norm(ord) == pytest.approx(np.linalg.norm(X, ord), rel=1e-15)
    assert Vector.zeros(3).norm(ord) == 0.0


def test_vector_two_norm_neither_overflows_nor_underflows():
    assert Vector([3e200, 4e200]).norm() == pytest.approx(5e200, rel=1e-15)
    assert Vector([3e-200, 4e-200]).norm() == pytest.approx(5e-200, rel=1e-15)
    assert Vector([]).norm() == 0.0


@pytest.mark.parametrize("ord", [1, 2, np.inf, "fro"])
@pytest.mark.parametrize(
    "data", [A, S, B, np.zeros((2, 3))], ids=["tall", "square", "wide", "zero"]
)
def test_matrix_norms_match_numpy(ord, data):
    assert Matrix(data).norm(ord) == pytest.approx(np.linalg.norm(data, ord), rel=1e-13, abs=0)


def test_norm_rejects_unknown_orders():
    with pytest.raises(ValueError, match="ord must be one of"):
        Vector(X).norm("fro")
    with pytest.raises(ValueError, match="ord must be one of"):
        Matrix(A).norm("nuc")
    with pytest.raises(ValueError, match="ord must be one of"):
        Vector(X).norm(3)


def test_rank_matches_numpy():
    low_rank = RNG.standard_normal((6, 2)) @ RNG.standard_normal((2, 5))
    assert Matrix(low_rank).rank() == np.linalg.matrix_rank(low_rank) == 2
    assert Matrix(S).rank() == 4
    assert Matrix.zeros(3, 3).rank() == 0
    assert Matrix(np.diag([1.0, 1e-3, 1e-9])).rank(tol=1e-6) == 2
