"""companion.evaluation: clinical metrics against scikit-learn and hand counts, intervals, splits, bad inputs."""

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_score, recall_score, roc_auc_score

from companion.evaluation import (
    brier_score,
    calibration,
    check_no_group_overlap,
    clinical_metrics,
    group_train_test_split,
    predictive_values,
    threshold_for_target,
)
from companion.intervals import bootstrap_ci, proportion_ci


def scored_patients(n=300, seed=0, prevalence=0.35):
    """Labels and informative but imperfect probabilities."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < prevalence).astype(int)
    logit = 1.5 * y - 0.75 + rng.normal(size=n)
    return y, 1 / (1 + np.exp(-logit))


# --- metrics at a threshold ---------------------------------------------------------------------


def test_hand_computed_confusion_matrix():
    y_true = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    y_score = [0.9, 0.8, 0.3, 0.5, 0.7, 0.2, 0.1, 0.4, 0.5, 0.0]
    m = clinical_metrics(y_true, y_score, threshold=0.5)  # 0.5 counts as positive
    assert (m.tp, m.fn, m.fp, m.tn) == (3, 1, 2, 4)
    assert m.sensitivity == pytest.approx(3 / 4)
    assert m.specificity == pytest.approx(4 / 6)
    assert m.ppv == pytest.approx(3 / 5)
    assert m.npv == pytest.approx(4 / 5)
    assert m.accuracy == pytest.approx(7 / 10)
    assert m.as_dict()["tp"] == 3


@pytest.mark.parametrize("threshold", [0.1, 0.3, 0.5, 0.7])
def test_metrics_match_scikit_learn(threshold):
    y, score = scored_patients()
    predicted = (score >= threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, predicted).ravel()
    m = clinical_metrics(y, score, threshold)
    assert (m.tn, m.fp, m.fn, m.tp) == (tn, fp, fn, tp)
    assert m.sensitivity == pytest.approx(recall_score(y, predicted))
    assert m.specificity == pytest.approx(recall_score(y, predicted, pos_label=0))
    assert m.ppv == pytest.approx(precision_score(y, predicted))
    assert m.npv == pytest.approx(precision_score(y, predicted, pos_label=0))


def test_ppv_is_undefined_when_nobody_is_called_positive():
    m = clinical_metrics([0, 1, 0], [0.1, 0.2, 0.3], threshold=0.9)
    assert np.isnan(m.ppv)
    assert m.sensitivity == 0
    assert m.specificity == 1


# --- thresholds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("target", [0.5, 0.8, 0.9, 0.95, 1.0])
def test_threshold_reaches_the_target_sensitivity_on_its_data(seed, target):
    y, score = scored_patients(n=157, seed=seed)
    threshold = threshold_for_target(y, score, sensitivity=target)
    assert clinical_metrics(y, score, threshold).sensitivity >= target
    # and it is the highest such threshold: the next score up misses the target
    higher = score[score > threshold]
    if higher.size:
        assert clinical_metrics(y, score, higher.min()).sensitivity < target


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("target", [0.5, 0.9, 1.0])
def test_threshold_reaches_the_target_specificity_on_its_data(seed, target):
    y, score = scored_patients(n=157, seed=seed)
    threshold = threshold_for_target(y, score, specificity=target)
    assert clinical_metrics(y, score, threshold).specificity >= target


def test_threshold_needs_exactly_one_target():
    y, score = scored_patients()
    with pytest.raises(ValueError, match="exactly one of sensitivity and specificity"):
        threshold_for_target(y, score)
    with pytest.raises(ValueError, match="exactly one"):
        threshold_for_target(y, score, sensitivity=0.9, specificity=0.9)
    with pytest.raises(ValueError, match=r"sensitivity must be a number in \(0, 1\], got 1.5"):
        threshold_for_target(y, score, sensitivity=1.5)
    with pytest.raises(ValueError, match=r"specificity must be a number in \(0, 1\], got 0"):
        threshold_for_target(y, score, specificity=0)


# --- Bayes ----------------------------------------------------------------------------------------


def test_predictive_values_by_hand():
    # 10,000 people, prevalence 2 %: 200 ill, 9,800 healthy; sensitivity 0.9, specificity 0.95
    tp, fn = 0.9 * 200, 0.1 * 200
    tn, fp = 0.95 * 9800, 0.05 * 9800
    ppv, npv = predictive_values(0.9, 0.95, 0.02)
    assert ppv == pytest.approx(tp / (tp + fp))  # 180 / 670
    assert npv == pytest.approx(tn / (tn + fn))
    assert ppv == pytest.approx(0.26866, abs=1e-5)


def test_predictive_values_at_the_sample_prevalence_match_the_counts():
    y, score = scored_patients()
    m = clinical_metrics(y, score, 0.5)
    ppv, npv = predictive_values(m.sensitivity, m.specificity, y.mean())
    assert ppv == pytest.approx(m.ppv)
    assert npv == pytest.approx(m.npv)


def test_predictive_values_vectorise_and_ppv_grows_with_prevalence():
    ppv, npv = predictive_values(0.8, 0.7, np.array([0.05, 0.1, 0.35]))
    assert ppv.shape == (3,)
    assert np.all(np.diff(ppv) > 0)
    assert np.all(np.diff(npv) < 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sensitivity": 1.2, "specificity": 0.9, "prevalence": 0.1}, r"sensitivity must be a number in \[0, 1\]"),
        ({"sensitivity": 0.9, "specificity": np.nan, "prevalence": 0.1}, "specificity must be a number"),
        ({"sensitivity": 0.9, "specificity": 0.9, "prevalence": 0.0}, r"prevalence must be .* in \(0, 1\), got 0.0"),
        ({"sensitivity": 0.9, "specificity": 0.9, "prevalence": [0.1, 1.5]}, "prevalence must be"),
    ],
)
def test_predictive_values_reject_bad_numbers(kwargs, message):
    with pytest.raises(ValueError, match=message):
        predictive_values(**kwargs)


# --- bootstrap ------------------------------------------------------------------------------------


def test_bootstrap_interval_contains_the_estimate_and_is_reproducible():
    y, score = scored_patients(n=200)
    ci = bootstrap_ci(roc_auc_score, y, score, n_resamples=300, seed=1)
    assert ci.estimate == pytest.approx(roc_auc_score(y, score))
    assert ci.low < ci.estimate < ci.high
    assert ci.resamples.shape == (300,)
    again = bootstrap_ci(roc_auc_score, y, score, n_resamples=300, seed=1)
    assert (again.low, again.high) == (ci.low, ci.high)
    assert "95% CI" in str(ci)


def test_bootstrap_is_stratified():
    y, score = scored_patients(n=100)
    counts = []

    def positives(y_true, y_score):
        counts.append(int(np.sum(y_true)))
        return 0.0

    bootstrap_ci(positives, y, score, n_resamples=20)
    assert set(counts) == {int(y.sum())}


def test_bootstrap_resamples_with_replacement_at_the_textbook_standard_error():
    # For the mean score, a stratified bootstrap has a known standard error:
    # sum over strata of (n_k / n)^2 * var_k / n_k (population variances).
    # Drawing without replacement would give every resample the same mean.
    rng = np.random.default_rng(3)
    y = np.repeat([0, 1], [300, 100])
    score = np.clip(0.2 + 0.4 * y + rng.normal(0, 0.15, y.size), 0, 1)
    ci = bootstrap_ci(lambda _, s: float(s.mean()), y, score, n_resamples=2000, seed=4)
    strata = [score[y == k] for k in (0, 1)]
    expected = np.sqrt(sum((s.size / y.size) ** 2 * s.var() / s.size for s in strata))
    assert ci.resamples.std() == pytest.approx(expected, rel=0.08)


def test_bootstrap_interval_narrows_with_more_patients():
    widths = []
    for n in (100, 400, 1600):
        y, score = scored_patients(n=n, seed=3)
        ci = bootstrap_ci(roc_auc_score, y, score, n_resamples=200)
        widths.append(ci.high - ci.low)
    assert widths[0] > widths[1] > widths[2]
    assert widths[0] / widths[2] > 2.5  # about sqrt(16) = 4 in theory


def test_bootstrap_rejects_bad_arguments():
    y, score = scored_patients()
    with pytest.raises(TypeError, match="metric must be a callable metric"):
        bootstrap_ci("auc", y, score)
    with pytest.raises(ValueError, match="n_resamples must be an integer of at least 10, got 5"):
        bootstrap_ci(roc_auc_score, y, score, n_resamples=5)
    with pytest.raises(ValueError, match=r"confidence must be a number in \(0, 1\), got 95"):
        bootstrap_ci(roc_auc_score, y, score, confidence=95)


# --- Wilson interval of a proportion ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "total", "low", "high"),
    [(5, 10, 0.2366, 0.7634), (0, 10, 0.0, 0.2775), (12, 12, 0.7575, 1.0)],
)
def test_wilson_interval_by_hand(successes, total, low, high):
    # Closed form with z = 1.959964: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n).
    interval = proportion_ci(successes, total)
    assert interval.estimate == pytest.approx(successes / total)
    assert (interval.low, interval.high) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))
    assert "95% CI" in str(interval)


def test_wilson_interval_is_not_a_point_when_every_case_is_caught():
    # The situation that needs it: a stratified bootstrap of 12 of 12 cases caught is 1.0 to 1.0.
    y = np.array([1] * 12 + [0] * 12)
    score = np.where(y == 1, 0.9, 0.1)
    boot = bootstrap_ci(lambda t, s: clinical_metrics(t, s, 0.5).sensitivity, y, score, n_resamples=50)
    assert boot.low == boot.high == 1.0
    wilson = proportion_ci(12, 12)
    assert wilson.high == 1.0
    assert wilson.low < 0.8


def test_wilson_interval_covers_the_true_proportion_about_as_often_as_it_says():
    rng = np.random.default_rng(0)
    for p, n in [(0.9, 20), (0.5, 30), (0.05, 60)]:
        draws = rng.binomial(n, p, size=2000)
        covered = np.mean([(lambda ci: ci.low <= p <= ci.high)(proportion_ci(int(k), n)) for k in draws])
        assert 0.90 <= covered <= 0.995, (p, n, covered)


def test_wilson_interval_narrows_with_more_cases_and_with_lower_confidence():
    widths = [(ci.high - ci.low) for ci in (proportion_ci(k, n) for k, n in [(8, 10), (80, 100), (800, 1000)])]
    assert widths[0] > widths[1] > widths[2]
    assert proportion_ci(8, 10, confidence=0.8).high < proportion_ci(8, 10).high


@pytest.mark.parametrize(
    ("successes", "total", "message"),
    [(5, 4, r"^successes must be at most total \(4\), got 5"), (-1, 4, "^successes must be a non-negative integer"),
     (1, 0, "^total must be a positive integer"), (1.5, 4, "^successes must be a non-negative integer"),
     (True, 4, "^successes must be a non-negative integer")],
)
def test_wilson_interval_rejects_bad_counts(successes, total, message):
    with pytest.raises(ValueError, match=message):
        proportion_ci(successes, total)
    with pytest.raises(ValueError, match=r"confidence must be a number in \(0, 1\)"):
        proportion_ci(1, 4, confidence=1.0)


# --- calibration ----------------------------------------------------------------------------------


def test_brier_score_by_hand_and_calibration_curve():
    assert brier_score([0, 1, 1], [0.0, 0.5, 1.0]) == pytest.approx(0.25 / 3)
    rng = np.random.default_rng(0)
    probability = rng.random(20000)
    outcome = (rng.random(20000) < probability).astype(int)  # perfectly calibrated by construction
    result = calibration(outcome, probability, n_bins=5)
    assert np.allclose(result.observed, result.predicted, atol=0.03)
    assert result.brier == pytest.approx(1 / 6, abs=0.01)  # E[p(1-p)] for uniform p
    overconfident = calibration(outcome, np.clip(1.5 * probability - 0.25, 0, 1), n_bins=5)
    assert overconfident.brier > result.brier


def test_calibration_rejects_bad_arguments():
    y, score = scored_patients()
    with pytest.raises(ValueError, match="n_bins must be an integer of at least 2, got 1"):
        calibration(y, score, n_bins=1)
    with pytest.raises(ValueError, match=r"strategy must be one of \['quantile', 'uniform'\], got 'equal'"):
        calibration(y, score, strategy="equal")
    with pytest.raises(ValueError, match=r"y_prob must be probabilities in \[0, 1\]"):
        brier_score(y, score * 2)


# --- input validation shared by every metric -------------------------------------------------------

BAD_INPUTS = [
    ([0, 1, 1], [0.2, 1.2, 0.5], r"y_score must be probabilities in \[0, 1\], got values from 0.2 to 1.2"),
    ([0, 1, 1], [-0.1, 0.2, 0.5], r"y_score must be probabilities in \[0, 1\]"),
    ([1, 1, 1], [0.1, 0.2, 0.5], "y_true must contain both classes 0 and 1, got only class 1"),
    ([0, 1, 2], [0.1, 0.2, 0.5], r"y_true must contain only the labels 0 and 1, got also \[2.0\]"),
    ([0, 1, 1], [0.1, 0.2], "y_true and y_score must have the same length, got 3 and 2"),
    ([0, 1, np.nan], [0.1, 0.2, 0.3], "y_true must not contain NaN, got 1 NaN values"),
    ([0, 1, 1], [0.1, np.nan, 0.3], "y_score must not contain NaN"),
    ([[0, 1], [1, 0]], [0.1, 0.2], r"y_true must be a non-empty 1-D array, got shape \(2, 2\)"),
    ([], [], r"y_true must be a non-empty 1-D array, got shape \(0,\)"),
    (["a", "b"], [0.1, 0.2], "y_true must be a 1-D array of numbers"),
]


@pytest.mark.parametrize(("y_true", "y_score", "message"), BAD_INPUTS)
def test_clinical_metrics_reject_bad_inputs(y_true, y_score, message):
    with pytest.raises(ValueError, match=message):
        clinical_metrics(y_true, y_score)


@pytest.mark.parametrize(("y_true", "y_score", "message"), BAD_INPUTS[:5])
def test_other_metrics_reject_bad_inputs(y_true, y_score, message):
    with pytest.raises(ValueError, match=message):
        threshold_for_target(y_true, y_score, sensitivity=0.9)
    with pytest.raises(ValueError, match=message):
        bootstrap_ci(roc_auc_score, y_true, y_score, n_resamples=10)


def test_threshold_argument_is_checked():
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0, 1\], got str 'high'"):
        clinical_metrics([0, 1], [0.2, 0.8], threshold="high")


# --- group-aware splits ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_group_split_never_shares_a_group(seed):
    rng = np.random.default_rng(seed)
    patients = rng.integers(0, 60, size=400)  # several rows per patient
    train, test = group_train_test_split(patients, test_size=0.25, random_state=seed)
    assert set(patients[train]).isdisjoint(patients[test])
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(400))
    assert 0.1 < np.unique(patients[test]).size / np.unique(patients).size < 0.4


def test_group_split_with_string_ids_is_reproducible():
    hospitals = np.repeat(["A", "B", "C", "D", "E"], 10)
    first = group_train_test_split(hospitals, test_size=0.2, random_state=3)
    second = group_train_test_split(hospitals, test_size=0.2, random_state=3)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert np.unique(hospitals[first[1]]).size == 1


def test_a_plain_row_split_would_be_caught():
    patients = np.repeat(np.arange(50), 4)
    rows = np.random.default_rng(0).permutation(200)
    with pytest.raises(ValueError, match=r"train and test share \[.*\] and \d+ more"):
        check_no_group_overlap(train=patients[rows[:150]], test=patients[rows[150:]])


def test_check_no_group_overlap_names_every_pair():
    with pytest.raises(ValueError, match=r"train and val share \[2\]; val and test share \[5\]"):
        check_no_group_overlap(train=[1, 2], val=[2, 5], test=[5, 6])
    check_no_group_overlap(train=[1, 2], val=[3], test=[4])
    with pytest.raises(ValueError, match="at least two named splits"):
        check_no_group_overlap(train=[1, 2])


def test_groups_that_cannot_identify_a_patient_are_a_value_error():
    with pytest.raises(ValueError, match=r"^train must hold group identifiers"):
        check_no_group_overlap(train=[{1}, {2}], test=[3])


@pytest.mark.parametrize(
    ("groups", "kwargs", "message"),
    [
        ([1, 1, 1], {}, "at least two distinct groups, got 1"),
        ([], {}, r"groups must be a non-empty 1-D array, got shape \(0,\)"),
        ([1.0, np.nan, 2.0], {}, "groups must not contain NaN"),
        ([1, 2, 3], {"test_size": 1.5}, r"test_size must be a number in \(0, 1\), got 1.5"),
    ],
)
def test_group_split_rejects_bad_inputs(groups, kwargs, message):
    with pytest.raises(ValueError, match=message):
        group_train_test_split(groups, **kwargs)
