"""GAN: learning on made data, conditional sampling, training options, API, bad input."""

import pickle

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.exceptions import NotFittedError

from skgan import GAN
from skgan.datasets import load_digits_domains
from skgan.metrics import frechet_distance
from skgan.nn import ProjectionDiscriminator

TINY = dict(max_epochs=2, batch_size=16, n_filters=4, latent_dim=4, random_state=0)


def correlated(n=400, seed=0):
    rng = np.random.RandomState(seed)
    return rng.randn(n, 2) @ np.array([[2.0, 1.2], [0.0, 0.5]]) + np.array([5.0, -3.0])


@pytest.fixture(scope="module")
def tabular_gan():
    X = correlated()
    return GAN(max_epochs=100, batch_size=64, lr=1e-3, latent_dim=8, random_state=0).fit(X), X


def test_tabular_gan_learns_the_distribution(tabular_gan):
    gan, X = tabular_gan
    S = gan.sample(1000, random_state=0)
    assert S.shape == (1000, 2) and S.dtype == np.float64
    untrained = GAN(max_epochs=1, batch_size=400, random_state=0).fit(X)
    before = frechet_distance(X, untrained.sample(1000, random_state=0))
    after = frechet_distance(X, S)
    assert after < 0.05 * before and after < 0.3, (before, after)
    # the correlation, not just the per-feature scale (which the data scaling gives for free)
    assert np.corrcoef(S.T)[0, 1] > 0.7


def test_history_records_the_gan_terms(tabular_gan):
    gan, _ = tabular_gan
    assert gan.n_epochs_ == 100 and len(gan.history_) == 100
    for key in ("g_loss", "d_loss", "g_adv", "d_adv"):
        assert np.all(np.isfinite(gan.history_[:, key]))


def test_conditional_gan_samples_the_requested_classes():
    rng = np.random.RandomState(0)
    y = np.repeat(["low", "high"], [300, 100])
    X = np.where((y == "high")[:, None], 6.0, -6.0) + rng.randn(400, 2)
    gan = GAN(max_epochs=40, batch_size=64, lr=1e-3, random_state=0).fit(X, y)
    assert gan.n_classes_ == 2 and list(gan.classes_) == ["high", "low"]
    np.testing.assert_allclose(gan.class_prior_, [0.25, 0.75])
    assert isinstance(gan.discriminator_["d"], ProjectionDiscriminator)
    X_high, y_high = gan.sample(200, random_state=0, y="high")
    X_low, y_low = gan.sample(200, random_state=0, y=np.repeat("low", 200))
    assert set(y_high) == {"high"} and set(y_low) == {"low"}
    assert X_high[:, 0].mean() > X_low[:, 0].mean() + 6.0
    X_any, y_any = gan.sample(2000, random_state=1)  # labels drawn from the class prior
    assert 0.2 < np.mean(y_any == "high") < 0.3
    with pytest.raises(ValueError, match=r"not among the fitted classes \['high', 'low'\]"):
        gan.sample(2, y=["high", "medium"])
    with pytest.raises(ValueError, match="y has 3 labels but n_samples=2"):
        gan.sample(2, y=["high"] * 3)


def test_image_gan_keeps_layout_dtype_and_range():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(40, 8, 8)).astype(np.uint8)
    gan = GAN(**TINY).fit(X)
    S = gan.sample(5, random_state=0)
    assert S.shape == (5, 8, 8) and S.dtype == np.uint8
    assert type(gan.generator_["g"]).__name__ == "DCGANGenerator"
    flat = GAN(**TINY, image_shape=(1, 8, 8)).fit(X.reshape(40, -1).astype(np.float32) / 255)
    S = flat.sample(3, random_state=0)
    assert S.shape == (3, 64) and S.dtype == np.float32 and 0 <= S.min() and S.max() <= 1
    colour = GAN(**TINY).fit(rng.rand(20, 3, 8, 12))
    assert colour.sample(2, random_state=0).shape == (2, 3, 8, 12)


def test_sample_is_reproducible_under_random_state():
    X = correlated(100)
    gan = GAN(**TINY).fit(X)
    a, b = gan.sample(10, random_state=3), gan.sample(10, random_state=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, gan.sample(10, random_state=4))
    rs = np.random.RandomState(7)
    np.testing.assert_array_equal(gan.sample(4, random_state=rs), gan.sample(4, random_state=7))
    with pytest.raises(ValueError, match="n_samples must be a positive int"):
        gan.sample(0)
    with pytest.raises(ValueError, match="fitted without labels"):
        gan.sample(2, y=[0, 1])


def test_fit_is_bitwise_reproducible_and_leaves_global_rng_alone():
    X = correlated(100)
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    a = GAN(**TINY).fit(X).sample(20, random_state=0)
    assert torch.equal(torch.rand(2), expected)
    b = GAN(**TINY).fit(X).sample(20, random_state=0)
    np.testing.assert_array_equal(a, b)
    c = GAN(**{**TINY, "random_state": 1}).fit(X).sample(20, random_state=0)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("kwargs, terms", [
    ({"gradient_penalty": "r1"}, {"gradient_penalty"}),
    ({"loss": "wgan-gp"}, {"gradient_penalty"}),  # "auto" penalty for the WGAN loss
    ({"loss": "hinge", "spectral_norm": True}, set()),
    ({"feature_matching": 1.0}, {"feature_matching"}),
])
def test_training_options_reach_the_losses(kwargs, terms):
    X = correlated(64)
    gan = GAN(**{**TINY, **kwargs}).fit(X)
    for term in terms:
        values = gan.history_[:, term]
        assert len(values) == 2 and np.all(np.isfinite(values)) and np.any(np.asarray(values) > 0)
    for term in {"gradient_penalty", "feature_matching"} - terms:
        with pytest.raises(KeyError):
            gan.history_[:, term]
    assert gan.net_.criterion_.mode == kwargs.get("loss", "vanilla")
    if kwargs.get("spectral_norm"):
        from torch.nn.utils import parametrize
        assert all(parametrize.is_parametrized(m) for m in gan.discriminator_.modules()
                   if isinstance(m, torch.nn.Linear))


def test_gradient_penalty_none_disables_it_even_for_wgan():
    gan = GAN(**{**TINY, "loss": "wgan-gp", "gradient_penalty": None}).fit(correlated(64))
    with pytest.raises(KeyError):
        gan.history_[:, "gradient_penalty"]


def test_digit_images_with_conditional_projection_discriminator():
    d = load_digits_domains(random_state=0)
    gan = GAN(**{**TINY, "n_filters": 8}).fit(d.X_source, d.y_source)
    X_new, y_new = gan.sample(10, random_state=0, y=3)
    assert X_new.shape == (10, 1, 8, 8) and set(y_new) == {3}
    assert gan.generator_["g"].blocks[0][1].in_features == TINY["latent_dim"] + 10


def test_pickle_and_save_load_round_trip(tmp_path):
    X = correlated(64)
    y = np.where(X[:, 0] > 5, "a", "b")
    gan = GAN(**TINY).fit(X, y)
    expected = gan.sample(6, random_state=0)
    clone = pickle.loads(pickle.dumps(gan))
    np.testing.assert_array_equal(clone.sample(6, random_state=0)[0], expected[0])
    gan.save(tmp_path / "gan.pt")
    loaded = GAN.load(tmp_path / "gan.pt")
    X_l, y_l = loaded.sample(6, random_state=0)
    np.testing.assert_array_equal(X_l, expected[0])
    np.testing.assert_array_equal(y_l, expected[1])
    assert loaded.n_classes_ == 2 and loaded.latent_dim_ == TINY["latent_dim"]


def test_warm_start_continues_and_refuses_other_classes():
    X = correlated(64)
    gan = GAN(**{**TINY, "warm_start": True}).fit(X)
    first = {k: v.clone() for k, v in gan.generator_.state_dict().items()}
    gan.set_params(max_epochs=4)
    gan.fit(X)
    assert gan.n_epochs_ == 4
    assert any(not torch.equal(first[k], v) for k, v in gan.generator_.state_dict().items())
    with pytest.raises(ValueError, match="same classes as the previous fit"):
        gan.fit(X, np.arange(64) % 2)
    assert gan.n_classes_ == 0


def test_refit_without_labels_drops_the_classes():
    X = correlated(64)
    gan = GAN(**TINY).fit(X, np.arange(64) % 2)
    gan.fit(X)
    assert gan.n_classes_ == 0 and not hasattr(gan, "classes_")
    assert gan.sample(3, random_state=0).shape == (3, 2)


GOOD = np.random.RandomState(0).rand(20, 4)


@pytest.mark.parametrize("kwargs, X, y, match", [
    ({}, np.full((20, 4), np.nan), None, "Input X contains NaN"),
    ({}, np.zeros((20, 2, 2, 2, 2)), None, "got a 5-D array"),
    ({}, GOOD[:1], None, "1 sample"),
    ({}, GOOD, np.arange(19), "y has 19 labels but X has 20"),
    ({}, GOOD, np.linspace(0, 1, 20), "Unknown label type"),
    ({"generator": "dcgan"}, GOOD, None, "generator='dcgan' makes images"),
    ({"generator": "mlp"}, np.zeros((20, 1, 8, 8)), None, "generator='mlp' makes flat samples"),
    ({"generator": "resnet"}, GOOD, None, "'generator' parameter"),
    ({"gradient_penalty": "l2"}, GOOD, None, "'gradient_penalty' parameter"),
    ({"latent_dim": 0}, GOOD, None, "'latent_dim' parameter"),
    ({"image_shape": (1, 3, 3)}, GOOD, None, "implies 9 features"),
    ({"discriminator": "mlp"}, np.zeros((20, 1, 8, 8)), None, "needs flat samples"),
])
def test_bad_input_raises_before_training(kwargs, X, y, match, monkeypatch):
    from skgan.training import AdversarialNet

    def no_training(*args, **kw):
        raise AssertionError("training started")

    monkeypatch.setattr(AdversarialNet, "fit", no_training)
    est = GAN(**{**TINY, **kwargs})
    with pytest.raises((ValueError, TypeError), match=match):
        est.fit(X, y)
    assert not hasattr(est, "net_")


def test_methods_before_fit_raise_not_fitted():
    for method, args in [("sample", (2,)), ("save", ("x.pt",))]:
        with pytest.raises(NotFittedError):
            getattr(GAN(), method)(*args)


# ----------------------------------------------------------------------- EMA
def test_ema_generator_follows_the_recurrence_and_sample_uses_it():
    X = correlated(n=32)
    one_step = dict(max_epochs=1, batch_size=32, n_filters=4, latent_dim=4, lr=1e-2,
                    random_state=0)
    gan = GAN(**one_step, ema=0.9, ema_warmup=False).fit(X)  # the constant decay
    # the initial weights: the same seeds, a step too small to change a float32 weight
    init = GAN(**{**one_step, "lr": 1e-30}).fit(X).generator_["g"].state_dict()
    trained = gan.generator_["g"].state_dict()
    averaged = gan.generator_ema_["g"].state_dict()
    for name, weight in trained.items():
        if weight.is_floating_point() and "running" not in name:
            # one step: avg = 0.9 * initial + 0.1 * trained
            torch.testing.assert_close(averaged[name], init[name] + 0.1 * (weight - init[name]))
    assert not torch.equal(averaged["blocks.0.0.weight"], trained["blocks.0.0.weight"])
    # sample decodes the averaged generator's output, not the trained one's
    z = torch.randn(5, 4, generator=torch.Generator().manual_seed(
        int(np.random.RandomState(3).randint(0, 2**31 - 1))))
    with torch.no_grad():
        expected = gan.source_spec_.decode(gan.generator_ema_["g"].eval()(z), 2)
    np.testing.assert_allclose(gan.sample(5, random_state=3), expected, rtol=1e-5, atol=1e-6)
    assert GAN(**one_step).fit(X).generator_ema_ is None


def test_ema_survives_pickle_save_load_and_resume(tmp_path):
    X = correlated(n=64)
    params = dict(max_epochs=4, batch_size=16, n_filters=4, latent_dim=4, random_state=0,
                  ema=0.99)
    full = GAN(**params).fit(X)
    path = tmp_path / "gan.pt"
    full.save(path)
    loaded = GAN.load(path, device="cpu")
    np.testing.assert_array_equal(loaded.sample(7, random_state=0), full.sample(7, random_state=0))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(full)).sample(7, random_state=0),
                                  full.sample(7, random_state=0))
    # two epochs, saved with the training state, then two more: as the 4-epoch fit
    half = GAN(**{**params, "max_epochs": 2}).fit(X)
    half.save(tmp_path / "half.pt", training_state=True)
    resumed = GAN.load(tmp_path / "half.pt", device="cpu").set_params(warm_start=True,
                                                                      max_epochs=4)
    resumed.fit(X)
    for name, value in full.generator_ema_.state_dict().items():
        torch.testing.assert_close(resumed.generator_ema_.state_dict()[name], value,
                                   rtol=0, atol=0)
    with pytest.raises(ValueError, match="warm_start=True cannot change ema is None"):
        GAN(**{**params, "max_epochs": 6, "warm_start": True}).fit(X).set_params(
            ema=None, max_epochs=8).fit(X)


class RecordGenerator(Callback):
    """The generator's floating-point weights after every training step."""

    def initialize(self):
        self.steps = []
        return self

    def on_batch_end(self, net, **kwargs):
        self.steps.append({k: v.detach().clone() for k, v in net.module_["g"].state_dict().items()
                           if v.is_floating_point() and "running" not in k})


def test_ema_warmup_ramps_the_decay_and_resumes_bitwise(tmp_path):
    X = correlated(n=64)
    params = dict(max_epochs=2, batch_size=16, n_filters=4, latent_dim=4, lr=1e-2,
                  random_state=0, ema=0.99, ema_warmup=True)
    record = RecordGenerator()
    gan = GAN(**params, callbacks=[record]).fit(X)
    init = GAN(**{**params, "lr": 1e-30}).fit(X).generator_["g"].state_dict()
    expected = {k: init[k].clone() for k in record.steps[0]}
    for t, weights in enumerate(record.steps):  # 8 updates: decays 0.1, 0.18, ..., 0.47
        decay = min(0.99, (1 + t) / (10 + t))
        for k, w in weights.items():
            expected[k] = expected[k] + (1 - decay) * (w - expected[k])
    averaged = gan.generator_ema_["g"].state_dict()
    for k, value in expected.items():
        torch.testing.assert_close(averaged[k], value, rtol=1e-5, atol=1e-6)
    plain = GAN(**{**params, "ema_warmup": False}).fit(X).generator_ema_["g"].state_dict()
    key = next(iter(expected))
    # without the ramp the average is still ~92 % the initial weights (0.99 ** 8)
    assert (averaged[key] - record.steps[-1][key]).abs().mean() < \
        (plain[key] - record.steps[-1][key]).abs().mean()
    half = GAN(**{**params, "max_epochs": 1}).fit(X)
    half.save(tmp_path / "half.pt", training_state=True)
    resumed = GAN.load(tmp_path / "half.pt").set_params(warm_start=True, max_epochs=2).fit(X)
    for k, value in gan.generator_ema_.state_dict().items():
        torch.testing.assert_close(resumed.generator_ema_.state_dict()[k], value, rtol=0, atol=0)


def test_ema_out_of_range_is_rejected_before_training():
    with pytest.raises(ValueError, match="'ema' parameter of GAN must be"):
        GAN(ema=1.0, **TINY).fit(correlated(n=20))


# --------------------------------------------------------- historical averaging
def test_historical_averaging_penalty_is_the_distance_to_the_past_mean():
    X = correlated(n=32)
    one_batch = dict(batch_size=32, n_filters=4, latent_dim=4, lr=1e-2, random_state=0)
    w = 0.5
    start = GAN(max_epochs=1, **{**one_batch, "lr": 1e-30}).fit(X).net_
    first = GAN(max_epochs=1, historical_averaging=w, **one_batch).fit(X).net_
    two = GAN(max_epochs=2, historical_averaging=w, **one_batch).fit(X)
    batches = [epoch["batches"][0] for epoch in two.history_]
    # step 1: the average is the start, where the parameters still are
    assert batches[0]["g_hist_avg"] == 0.0 and batches[0]["d_hist_avg"] == 0.0
    # step 2: the average of theta_0 and theta_1 is half-way, so w * ||theta_1 - theta_0||^2 / 4
    for group, term in (("module_", "g_hist_avg"), ("discriminator_", "d_hist_avg")):
        theta0 = [p for p in getattr(start, group).parameters()]
        theta1 = [p for p in getattr(first, group).parameters()]
        expected = w * sum(((b - a) ** 2).sum() for a, b in zip(theta0, theta1)).item() / 4
        assert batches[1][term] == pytest.approx(expected, rel=1e-4), term
        assert expected > 0
    # a 3-step mean after the second update, kept on the CPU after fit
    assert two.net_.historical_steps_ == 3
    assert all(t.device.type == "cpu" for ts in two.net_.historical_average_.values() for t in ts)


def test_historical_averaging_gradient_pulls_towards_the_average():
    gan = GAN(**{**TINY, "max_epochs": 1}, historical_averaging=0.25).fit(correlated(n=32))
    net = gan.net_
    params = net._trainable("optimizer")
    net.historical_average_["optimizer"] = [torch.zeros_like(p) for p in params]
    penalty = net._historical_penalty("optimizer")
    torch.testing.assert_close(penalty, 0.25 * sum((p.detach() ** 2).sum() for p in params))
    grads = torch.autograd.grad(penalty, params)
    for p, g in zip(params, grads):
        torch.testing.assert_close(g, 2 * 0.25 * p.detach())  # d/dtheta w ||theta - 0||^2


def test_historical_averaging_resumes_bitwise(tmp_path):
    X = correlated(n=64)
    params = dict(batch_size=16, n_filters=4, latent_dim=4, random_state=0,
                  historical_averaging=0.1)
    full = GAN(max_epochs=4, **params).fit(X)
    half = GAN(max_epochs=2, **params).fit(X)
    half.save(tmp_path / "half.pt", training_state=True)
    resumed = GAN.load(tmp_path / "half.pt", device="cpu").set_params(warm_start=True,
                                                                      max_epochs=4).fit(X)
    for name, value in full.generator_.state_dict().items():
        torch.testing.assert_close(resumed.generator_.state_dict()[name], value, rtol=0, atol=0)
    assert resumed.history_[-1, "d_hist_avg"] == full.history_[-1, "d_hist_avg"]


@pytest.mark.parametrize("conditional", [False, True])
def test_discriminator_step_sharing_one_call_gives_the_written_out_loss(conditional):
    rng = np.random.RandomState(0)
    X = rng.rand(32, 1, 8, 8)
    y = rng.randint(0, 3, 32) if conditional else None
    net = GAN(**TINY).fit(X, y).net_
    d, gan = net.discriminator_["d"], net.criterion_
    real, fake = torch.randn(8, 1, 8, 8), torch.randn(8, 1, 8, 8)
    labels = torch.randint(0, 3, (8,)) if conditional else None
    fakes = {"x": fake} if labels is None else {"x": fake, "y": labels}
    terms = net.objective.discriminator_losses(net, real, None, fakes)
    args = () if labels is None else (labels,)
    with torch.no_grad():
        expected = gan.discriminator_loss(d(real, *args), d(fake, *args))
    torch.testing.assert_close(terms["d_adv"].detach(), expected, rtol=1e-5, atol=1e-6)
