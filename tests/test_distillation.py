"""GANDistiller: the student learns the teacher, teachers of every kind, API, bad input."""

import pickle

import numpy as np
import pytest
import torch

from skgan import GAN, GANDistiller, GANDomainAdapter
from skgan.datasets import load_digits_domains


def correlated(n=400, seed=0):
    rng = np.random.RandomState(seed)
    return rng.randn(n, 3) @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.2]]) + 2


@pytest.fixture(scope="module")
def teacher():
    return GAN(n_filters=32, max_epochs=30, random_state=0).fit(correlated())


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def test_student_reproduces_the_teacher_on_shared_noise(teacher):
    student = GANDistiller(teacher, n_filters=8, max_epochs=5, random_state=0).fit()
    assert n_params(student.generator_) < n_params(teacher.generator_) / 4
    same_noise = np.abs(student.sample(200, random_state=1) - teacher.sample(200, random_state=1))
    other_noise = np.abs(teacher.sample(200, random_state=2) - teacher.sample(200, random_state=1))
    untrained = GANDistiller(teacher, n_filters=8, max_epochs=1, lr=1e-9, random_state=0).fit()
    before = np.abs(untrained.sample(200, random_state=1) - teacher.sample(200, random_state=1))
    # seed 0: 0.07 against 0.20 between the teacher's own samples, 0.6 untrained
    assert same_noise.mean() < 0.5 * other_noise.mean(), (same_noise.mean(), other_noise.mean())
    assert same_noise.mean() < 0.25 * before.mean()
    assert student.history_[-1, "output"] < 0.3 * student.history_[0, "output"]


def test_teacher_is_untouched_and_kept_by_reference(teacher):
    from sklearn.base import clone

    g0, d0 = state(teacher.generator_), state(teacher.discriminator_)
    student = GANDistiller(teacher, n_filters=4, max_epochs=1, lambda_adv=1.0,
                           lambda_feature=1.0, random_state=0).fit(correlated(64))
    for before, module in ((g0, teacher.generator_), (d0, teacher.discriminator_)):
        assert all(torch.equal(v, module.state_dict()[k]) for k, v in before.items())
    assert clone(student).teacher is teacher
    # the feature network is frozen; the adversarial discriminator trains
    f = student.discriminator_["f"].state_dict()
    assert all(torch.equal(f[k], v) for k, v in
               {k[2:]: v for k, v in d0.items() if k.startswith("d.")}.items())
    assert student.history_[-1, "g_adv"] > 0 and student.history_[-1, "feature"] > 0
    assert student.history_[-1, "d_adv"] > 0


def test_teacher_from_its_file_gives_the_same_student(teacher, tmp_path):
    path = tmp_path / "teacher.pt"
    teacher.save(path)
    a = GANDistiller(teacher, n_filters=4, max_epochs=2, random_state=0).fit()
    b = GANDistiller(str(path), n_filters=4, max_epochs=2, random_state=0).fit()
    np.testing.assert_array_equal(a.sample(20, random_state=0), b.sample(20, random_state=0))


def test_save_load_and_pickle_sample_the_same(teacher, tmp_path):
    student = GANDistiller(teacher, n_filters=4, max_epochs=2, random_state=0, ema=0.9).fit()
    student.save(tmp_path / "student.pt")
    loaded = GANDistiller.load(tmp_path / "student.pt", device="cpu")
    expected = student.sample(10, random_state=3)
    np.testing.assert_array_equal(loaded.sample(10, random_state=3), expected)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(student)).sample(10, random_state=3),
                                  expected)
    with pytest.raises(ValueError, match="a loaded distiller keeps only the student"):
        loaded.set_params(warm_start=True, max_epochs=4).fit()


def test_conditional_teacher_and_image_samples():
    d = load_digits_domains()
    X, y = (d.X_source * 255).astype(np.uint8), d.y_source
    teacher = GAN(n_filters=16, latent_dim=8, max_epochs=2, random_state=0).fit(X, y)
    student = GANDistiller(teacher, n_filters=4, max_epochs=2, n_samples=256,
                           random_state=0).fit()
    X_new, y_new = student.sample(6, random_state=0, y=[3, 3, 1, 1, 0, 0])
    assert X_new.shape == (6, 1, 8, 8) and X_new.dtype == np.uint8
    assert y_new.tolist() == [3, 3, 1, 1, 0, 0]
    np.testing.assert_array_equal(student.class_prior_, teacher.class_prior_)


@pytest.mark.parametrize("teacher_kind, params, fit_X, error, match", [
    ("adapter", {}, False, TypeError, "teacher must be a fitted skgan GAN"),
    ("array", {}, False, ValueError, "'teacher' parameter of GANDistiller must be"),
    ("gan", {"lambda_adv": 1.0}, False, ValueError, "judges the student against real data"),
    ("gan", {"lambda_output": 0.0}, False, ValueError, "all 0"),
    ("gan", {}, True, ValueError, "teacher makes samples of shape"),
    ("unfitted", {}, False, Exception, "not fitted"),
])
def test_bad_teachers_and_settings_raise_before_training(teacher, teacher_kind, params, fit_X,
                                                          error, match, monkeypatch):
    from skgan.training import AdversarialNet

    rng = np.random.RandomState(0)
    kinds = {"adapter": GANDomainAdapter(max_epochs=1, n_filters=4, random_state=0).fit(
        rng.randn(20, 3), np.arange(20) % 2, X_target=rng.randn(20, 3)),
        "array": rng.randn(3, 3), "gan": teacher, "unfitted": GAN()}
    monkeypatch.setattr(AdversarialNet, "fit", lambda *a, **k: pytest.fail("training started"))
    est = GANDistiller(kinds[teacher_kind], **params)
    with pytest.raises(error, match=match):
        est.fit(rng.randn(10, 5)) if fit_X else est.fit()
    assert not hasattr(est, "net_")


def test_without_a_teacher_a_gan_is_fitted_on_x_first():
    X = correlated(200)
    with pytest.warns(UserWarning, match="teacher=None"):
        student = GANDistiller(n_filters=4, max_epochs=2, random_state=0).fit(X)
    assert student.sample(3, random_state=0).shape == (3, 3)
    with pytest.raises(ValueError, match="teacher=None distils a GAN fitted on X"):
        GANDistiller().fit()
