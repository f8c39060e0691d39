"""Simulated annealing: a multimodal function's global minimum, small TSPs against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nashai.math.optimization import minimize, simulated_annealing, temperature_schedule


def rastrigin(x: np.ndarray) -> float:
    """10 n + Σ (x_i² − 10 cos 2π x_i): global minimum 0 at x = 0, a local minimum at every
    integer point; the next lowest ones (f ≈ 0.995) sit at distance 1 from the origin."""
    return 10 * x.size + np.sum(x * x - 10 * np.cos(2 * np.pi * x))


def anneal_rastrigin(seed):
    return simulated_annealing(
        rastrigin,
        np.array([4.0, -4.0]),  # a local minimum far from the global one
        step_size=0.5,
        bounds=(-5.12, 5.12),
        initial_temperature=10.0,
        maxiter=5000,
        seed=seed,
    )


@pytest.mark.parametrize("seed", range(5))
def test_annealing_escapes_local_minima_of_rastrigin(seed):
    result = anneal_rastrigin(seed)
    assert rastrigin(np.array([4.0, -4.0])) == pytest.approx(32.0, abs=0.1)  # where it starts
    assert result.fun < 0.5  # below every local minimum but the global one
    assert np.all(np.abs(result.x) < 0.1)
    assert result.fun == rastrigin(result.x)
    # a local method from the annealed point finishes the job
    polished = minimize(rastrigin, result.x, method="lbfgs", tol=1e-9)
    np.testing.assert_allclose(polished.x, 0.0, atol=1e-8)


def test_local_search_alone_stays_in_the_nearest_basin():
    # the reason to anneal: L-BFGS from the same start only reaches the nearby local minimum
    local = minimize(rastrigin, np.array([4.0, -4.0]), method="lbfgs")
    np.testing.assert_allclose(local.x, [3.98, -3.98], atol=0.01)


def test_same_seed_same_result_and_different_seed_different_walk():
    first, again, other = anneal_rastrigin(11), anneal_rastrigin(11), anneal_rastrigin(12)
    np.testing.assert_array_equal(first.x, again.x)
    assert first.fun == again.fun and first.acceptance_rate == again.acceptance_rate
    assert not np.array_equal(first.x, other.x)
    generator = simulated_annealing(
        rastrigin, np.zeros(2), maxiter=50, seed=np.random.default_rng(11)
    )
    seeded = simulated_annealing(rastrigin, np.zeros(2), maxiter=50, seed=11)
    np.testing.assert_array_equal(generator.x, seeded.x)


# --- travelling salesman ------------------------------------------------------------------------


def tour_length_function(cities: np.ndarray):
    distance = np.sqrt(((cities[:, None, :] - cities[None, :, :]) ** 2).sum(axis=-1))

    def length(tour: np.ndarray) -> float:
        return float(distance[tour, np.roll(tour, -1)].sum())

    return length


def two_opt_move(tour: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reverse the tour between two random positions (Croes's 2-opt move)."""
    i, j = np.sort(rng.choice(tour.size, size=2, replace=False))
    new = tour.copy()
    new[i : j + 1] = tour[i : j + 1][::-1]
    return new


def brute_force_shortest(length, n_cities: int) -> float:
    return min(length(np.array((0, *rest))) for rest in itertools.permutations(range(1, n_cities)))


@pytest.mark.parametrize(("n_cities", "seed"), [(7, 0), (7, 1), (8, 2)])
def test_annealing_finds_the_optimal_tour_of_a_small_tsp(n_cities, seed):
    cities = np.random.default_rng(100 + seed).random((n_cities, 2))
    length = tour_length_function(cities)
    optimum = brute_force_shortest(length, n_cities)
    start = np.arange(n_cities)
    result = simulated_annealing(
        length, start, neighbour=two_opt_move, initial_temperature=1.0, maxiter=3000, seed=seed
    )
    assert sorted(result.x.tolist()) == list(range(n_cities))  # still a permutation
    assert result.fun == pytest.approx(optimum, rel=1e-12)
    assert result.fun == length(result.x)
    assert length(start) > 1.2 * optimum  # the start was far from it
    np.testing.assert_array_equal(start, np.arange(n_cities))  # x0 untouched


def two_opt_local_optimum(distance: np.ndarray, tour: np.ndarray) -> np.ndarray:
    """Steepest descent over all 2-opt moves until none shortens the tour (Croes, 1958)."""
    n = tour.size
    i, j = np.triu_indices(n, 1)
    keep = ~((i == 0) & (j == n - 1))  # reversing the whole tour changes nothing
    i, j = i[keep], j[keep]
    while True:
        a, b, c, d = tour[i - 1], tour[i], tour[j], tour[(j + 1) % n]
        gain = distance[a, c] + distance[b, d] - distance[a, b] - distance[c, d]
        k = np.argmin(gain)
        if gain[k] >= -1e-12:
            return tour
        tour = tour.copy()
        tour[i[k] : j[k] + 1] = tour[i[k] : j[k] + 1][::-1]


def test_annealing_on_thirty_cities_matches_the_best_of_many_2opt_descents():
    cities = np.random.default_rng(5).random((30, 2))
    distance = np.sqrt(((cities[:, None, :] - cities[None, :, :]) ** 2).sum(axis=-1))
    length = tour_length_function(cities)
    rng = np.random.default_rng(0)
    best_local = min(
        length(two_opt_local_optimum(distance, rng.permutation(30))) for _ in range(20)
    )
    result = simulated_annealing(
        length, np.arange(30), neighbour=two_opt_move, maxiter=20_000, seed=0
    )
    assert result.fun <= 1.01 * best_local
    assert result.fun < 0.3 * length(np.arange(30))


# --- schedules, callback and errors --------------------------------------------------------------


def test_temperature_schedules():
    geometric = temperature_schedule("geometric", 2.0, 0.9, 100)
    assert geometric(0) == 2.0 and geometric(3) == pytest.approx(2.0 * 0.9**3)
    linear = temperature_schedule("linear", 2.0, 0.9, 100)
    assert linear(50) == pytest.approx(1.0)
    logarithmic = temperature_schedule("logarithmic", 2.0, 0.9, 100)
    assert logarithmic(0) == pytest.approx(2.0) and logarithmic(10) == pytest.approx(
        2.0 / np.log(10 + np.e)
    )
    with pytest.raises(ValueError, match="schedule must be one of"):
        temperature_schedule("exponential", 1.0, 0.9, 10)


def test_zero_temperature_is_a_greedy_descent():
    # with T ≈ 0 no uphill move is accepted, so the walk's values never increase
    values = []
    simulated_annealing(
        rastrigin,
        np.array([0.4, 0.3]),
        schedule=lambda k: 1e-300,
        maxiter=300,
        seed=1,
        callback=lambda state, f: values.append(f),
    )
    assert np.all(np.diff(values) <= 0)


def test_callback_can_stop_annealing():
    result = simulated_annealing(
        rastrigin, np.ones(2), maxiter=1000, seed=0, callback=lambda state, f: True
    )
    assert result.nit == 1 and result.status == 3


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"x0": np.zeros((2, 2))}, ValueError, "x0 must be a 1-D array"),
        ({"initial_temperature": 0.0}, ValueError, "initial_temperature must be positive"),
        ({"cooling_rate": 1.5}, ValueError, r"cooling_rate must be in \(0, 1\)"),
        ({"step_size": -1.0}, ValueError, "step_size must be positive"),
        ({"neighbour": 3}, TypeError, "neighbour must be a callable"),
        ({"maxiter": 0}, ValueError, "maxiter must be a positive integer"),
    ],
)
def test_annealing_argument_errors(kwargs, error, message):
    arguments = {"fun": rastrigin, "x0": np.zeros(2), **kwargs}
    with pytest.raises(error, match=message):
        simulated_annealing(**arguments)
