"""Clustering: k-means and Ward against scikit-learn, and the registry of methods by name."""

import numpy as np

import palettes
from palettes import clustering
from palettes.methods import CLUSTERERS


def test_every_method_name_has_one_clusterer() -> None:
    assert set(CLUSTERERS) == set(palettes.METHODS)


def test_only_kmeans_settles_after_a_merge() -> None:
    rng = np.random.default_rng(7)
    points = np.concatenate([rng.normal(centre, 2.0, (50, 3)) for centre in (0, 40)])
    weights = np.ones(len(points))
    centres = np.array([[1.0, 1.0, 1.0], [39.0, 39.0, 39.0]])
    settled = CLUSTERERS["kmeans"].settle(points, weights, centres, seed=0)
    assert settled is not None
    assert _partition(settled) == {frozenset(range(50)), frozenset(range(50, 100))}
    assert CLUSTERERS["agglomerative"].settle(points, weights, centres, seed=0) is None


def test_weighted_kmeans_matches_scikit_learn() -> None:
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(3)
    points = np.concatenate([rng.normal(centre, 4.0, (300, 3)) for centre in (0, 30, 60, 90)])
    weights = rng.integers(1, 50, len(points)).astype(float)
    ours = clustering.kmeans(points, weights, 4, seed=0, median_steps=0)
    reference = KMeans(n_clusters=4, n_init=10, random_state=0).fit(points, sample_weight=weights)
    assert _inertia(points, weights, ours) <= _inertia(points, weights, reference.labels_) * 1.01


def test_median_steps_bring_colours_closer_to_their_pixels() -> None:
    rng = np.random.default_rng(5)
    # A dense cluster with a long tail: the tail pulls a k-means centre away from the many.
    points = np.concatenate(
        [rng.normal(0, 1, (500, 3)), rng.normal(0, 1, (40, 3)) + 25, rng.normal(60, 2, (300, 3))]
    )
    weights = np.ones(len(points))
    plain = clustering.kmeans(points, weights, 2, seed=0, median_steps=0)
    refined = clustering.kmeans(points, weights, 2, seed=0, median_steps=3)
    assert _mean_distance(points, weights, refined) <= _mean_distance(points, weights, plain)


def test_ward_matches_scikit_learn_label_for_label() -> None:
    from sklearn.cluster import AgglomerativeClustering

    rng = np.random.default_rng(4)
    for _ in range(10):
        points = rng.normal(0, 10, (int(rng.integers(10, 200)), 3))
        k = int(rng.integers(1, 10))
        ours = clustering.ward(points, np.ones(len(points)), k)
        reference = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(points)
        assert _partition(ours) == _partition(reference)


def test_weighted_ward_equals_ward_on_repeated_points() -> None:
    rng = np.random.default_rng(6)
    points = rng.normal(0, 10, (30, 3))
    counts = rng.integers(1, 4, len(points))
    weighted = clustering.ward(points, counts.astype(float), 5)
    repeated = clustering.ward(np.repeat(points, counts, axis=0), np.ones(counts.sum()), 5)
    assert _partition(weighted) == _partition(repeated[np.cumsum(counts) - 1])


def _partition(labels) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(labels == value).tolist()) for value in np.unique(labels)}


def _centres(points, weights, labels):
    return clustering.weighted_means(points, weights, np.asarray(labels), int(np.max(labels)) + 1)


def _inertia(points, weights, labels) -> float:
    labels = np.asarray(labels)
    return float(np.sum(weights * np.sum((points - _centres(points, weights, labels)[labels]) ** 2, axis=1)))


def _mean_distance(points, weights, labels) -> float:
    labels = np.asarray(labels)
    gaps = np.sqrt(np.sum((points - _centres(points, weights, labels)[labels]) ** 2, axis=1))
    return float(np.average(gaps, weights=weights))


def test_weighted_draws_are_numpys_choice_draw_for_draw() -> None:
    # k-means++ draws its seeds without rng.choice's checks of p; the seeds, so the palettes, are
    # those rng.choice would give.
    for seed in range(50):
        probabilities = np.random.default_rng(seed).random(1 + seed * 40)
        probabilities /= probabilities.sum()
        size = None if seed % 2 else 3
        ours, numpys = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
        expected = numpys.choice(len(probabilities), size=size, p=probabilities)
        assert np.array_equal(clustering._draw(ours, probabilities, size), expected)
        assert ours.random() == numpys.random()


def test_compact_numbers_labels_in_the_order_of_their_values() -> None:
    labels = np.array([5, 2, 5, 9, 2])
    assert clustering.compact(labels).tolist() == [1, 0, 1, 2, 0]
    assert clustering.compact(np.array([1, 0, 2])).tolist() == [1, 0, 2]
