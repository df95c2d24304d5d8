"""scikit-learn's standard estimator checks on every public estimator."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skgan import CycleGANTranslator, GANDomainAdapter

# tiny networks and two epochs: the checks test the API, not learning
FAST = dict(max_epochs=2, batch_size=16, n_filters=4, random_state=0)

ESTIMATORS = [CycleGANTranslator(n_blocks=1, **FAST), GANDomainAdapter(n_blocks=1, **FAST)]

# Every check passes; an entry here needs a one-line reason.
EXPECTED_FAILED_CHECKS = {}


# sklearn's checks call fit(X, y) without X_target: the documented fallback warns
@pytest.mark.filterwarnings("ignore:.*got no X_target:UserWarning")
@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
