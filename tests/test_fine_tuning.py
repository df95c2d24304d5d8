"""PretrainedGANFineTuner: freezing, pretrained sources, transfer on a made shift, API."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skgan import GAN, CycleGANTranslator, PretrainedGANFineTuner
from skgan.datasets import load_digits_domains
from skgan.metrics import frechet_distance, make_fid_scorer
from skgan.nn import DCGANDiscriminator, DCGANGenerator

FAST = dict(max_epochs=2, batch_size=16, random_state=0)


@pytest.fixture(scope="module")
def digits():
    d = load_digits_domains(random_state=0)
    return d.X_source, d.y_source  # grey 8x8 digits in [0, 1]


@pytest.fixture(scope="module")
def pretrained(digits):
    X, _ = digits
    return GAN(n_filters=16, latent_dim=16, max_epochs=40, batch_size=32, lr=5e-4,
               random_state=0).fit(X)


def state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed(before, module):
    return {k for k, v in module.state_dict().items() if not torch.equal(before[k], v)}


# ------------------------------------------------------------------- freezing
@pytest.mark.parametrize("freeze_g, freeze_d, frozen_g, frozen_d", [
    (1, 1, "g.blocks.0.", "d.blocks.0."),
    (["blocks.1"], ["blocks.1.1.bias"], "g.blocks.1.", "d.blocks.1.1.bias"),
])
def test_frozen_parameters_stay_bit_identical_and_the_rest_moves(
        pretrained, digits, freeze_g, freeze_d, frozen_g, frozen_d):
    X, _ = digits
    g0, d0 = state(pretrained.generator_), state(pretrained.discriminator_)
    ft = PretrainedGANFineTuner(pretrained, freeze_generator=freeze_g,
                                freeze_discriminator=freeze_d, **FAST).fit(1 - X[:64])
    g_changed, d_changed = changed(g0, ft.generator_), changed(d0, ft.discriminator_)
    # frozen: weights and batch-norm statistics unchanged, bit for bit
    assert not {k for k in g_changed if k.startswith(frozen_g)}
    assert not {k for k in d_changed if k.startswith(frozen_d)}
    assert any(k.startswith(frozen_g) for k in g0) and any(k.startswith(frozen_d) for k in d0)
    # everything else trains
    assert {k for k in g0 if not k.startswith(frozen_g)} <= g_changed
    assert {k for k in d0 if not k.startswith(frozen_d)} <= d_changed
    frozen_names = [n for n, p in ft.generator_.named_parameters() if not p.requires_grad]
    assert frozen_names and all(n.startswith(frozen_g) for n in frozen_names)
    # the pretrained GAN is untouched
    assert not changed(g0, pretrained.generator_) and not changed(d0, pretrained.discriminator_)


def test_ema_generator_starts_pretrained_and_keeps_frozen_layers(pretrained, digits, tmp_path):
    X, _ = digits
    g0 = state(pretrained.generator_)
    ft = PretrainedGANFineTuner(pretrained, freeze_generator=1, ema=0.5, **FAST).fit(1 - X[:64])
    averaged = ft.generator_ema_.state_dict()
    # frozen layers: bit-identical in the average too
    for name in (k for k in g0 if k.startswith("g.blocks.0.")):
        assert torch.equal(averaged[name], g0[name]), name
    # the rest: between the pretrained and the fine-tuned weights, at neither end
    trained = ft.generator_.state_dict()
    moved = [k for k in g0 if not k.startswith("g.blocks.0.") and g0[k].is_floating_point()
             and "running" not in k]
    assert moved and all(not torch.equal(averaged[k], trained[k]) for k in moved)
    assert all(not torch.equal(averaged[k], g0[k]) for k in moved)
    # sampling uses it, and it is saved with the model
    ft.save(tmp_path / "ft.pt")
    loaded = PretrainedGANFineTuner.load(tmp_path / "ft.pt", device="cpu")
    np.testing.assert_array_equal(loaded.sample(6, random_state=0), ft.sample(6, random_state=0))
    plain = PretrainedGANFineTuner(pretrained, freeze_generator=1, **FAST).fit(1 - X[:64])
    assert not changed(trained, plain.generator_)  # averaging does not change training
    assert not np.array_equal(plain.sample(6, random_state=0), ft.sample(6, random_state=0))


def test_frozen_batch_norm_statistics_stay_fixed(pretrained, digits):
    X, _ = digits
    g0 = state(pretrained.generator_)
    ft = PretrainedGANFineTuner(pretrained, freeze_generator=1, **FAST).fit(1 - X[:64])
    stats = [k for k in g0 if "running_" in k or "num_batches" in k]
    assert stats and all(k.startswith("g.blocks.0.") for k in stats)
    for k in stats:
        assert torch.equal(g0[k], ft.generator_.state_dict()[k]), k
    # and they stay fixed across warm-started, pickled fits too
    ft.set_params(warm_start=True, max_epochs=4)
    again = pickle.loads(pickle.dumps(ft)).fit(1 - X[:64])
    for k in stats:
        assert torch.equal(g0[k], again.generator_.state_dict()[k]), k
    assert again.n_epochs_ == 4


def test_frozen_spectral_norm_vectors_stay_fixed(digits):
    X, _ = digits
    gan = GAN(n_filters=4, latent_dim=4, spectral_norm=True, **FAST).fit(X[:64])
    d0 = state(gan.discriminator_)
    ft = PretrainedGANFineTuner(gan, freeze_discriminator=1, **FAST).fit(1 - X[:64])
    d_changed = changed(d0, ft.discriminator_)
    vectors = [k for k in d0 if k.endswith(("._u", "._v"))]
    assert {k.rsplit(".", 1)[1] for k in vectors if k.startswith("d.blocks.0.")} == {"_u", "_v"}
    assert not {k for k in d_changed if k.startswith("d.blocks.0.")}
    # the head's power iteration goes on (its one-element _u is always 1)
    assert "d.blocks.1.1.parametrizations.weight.0._v" in d_changed


def test_freezing_every_block_trains_nothing_there(pretrained, digits):
    X, _ = digits
    d0 = state(pretrained.discriminator_)
    n_blocks = len(pretrained.discriminator_["d"].blocks)
    ft = PretrainedGANFineTuner(pretrained, freeze_discriminator=n_blocks, **FAST)
    with pytest.warns(UserWarning, match=f"freeze_discriminator={n_blocks} freezes every "
                      "parameter of the discriminator") as record:
        ft.fit(X[:64])
    assert {w.filename for w in record if "freezes every" in str(w.message)} == {__file__}
    assert not changed(d0, ft.discriminator_)
    assert ft.net_.discriminator_optimizer_.param_groups[0]["params"] == []


def test_freezing_fewer_blocks_does_not_warn(pretrained, digits):
    X, _ = digits
    n_blocks = len(pretrained.discriminator_["d"].blocks)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PretrainedGANFineTuner(pretrained, freeze_discriminator=n_blocks - 1,
                               freeze_generator=1, **FAST).fit(X[:64])


# ------------------------------------------------------- pretrained sources
def test_weights_file_gives_the_same_fine_tuning_as_the_fitted_gan(pretrained, digits, tmp_path):
    X, _ = digits
    pretrained.save(tmp_path / "gan.pt")
    a = PretrainedGANFineTuner(pretrained, freeze_discriminator=1, **FAST).fit(1 - X[:64])
    b = PretrainedGANFineTuner(str(tmp_path / "gan.pt"), freeze_discriminator=1,
                               **FAST).fit(1 - X[:64])
    np.testing.assert_array_equal(a.sample(20, random_state=0), b.sample(20, random_state=0))
    for k, v in a.generator_.state_dict().items():
        assert torch.equal(v, b.generator_.state_dict()[k])


def test_fine_tuner_saves_loads_and_fine_tunes_again(pretrained, digits, tmp_path):
    X, _ = digits
    ft = PretrainedGANFineTuner(pretrained, freeze_generator=1, **FAST).fit(1 - X[:64])
    ft.save(tmp_path / "ft.pt")
    loaded = PretrainedGANFineTuner.load(tmp_path / "ft.pt")
    np.testing.assert_array_equal(loaded.sample(5, random_state=0), ft.sample(5, random_state=0))
    np.testing.assert_array_equal(loaded.transform(X[:5]), ft.transform(X[:5]))
    assert loaded.frozen_prefixes_ == ft.frozen_prefixes_
    again = PretrainedGANFineTuner(tmp_path / "ft.pt", **FAST).fit(X[:64])
    assert again.latent_dim_ == 16


def test_weights_file_with_pickled_code_is_refused(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (marker.write_text, ("code ran",))

    path = tmp_path / "evil.pt"
    torch.save({"format": "skgan-weights-1", "estimator": "GAN", "payload": Evil()}, path)
    est = PretrainedGANFineTuner(str(path), **FAST)
    with pytest.raises(pickle.UnpicklingError, match="Refusing to load"):
        est.fit(np.random.rand(10, 4))
    assert not marker.exists()
    assert not hasattr(est, "net_")


def test_mismatched_architecture_names_the_first_mismatched_layer(pretrained, digits, tmp_path):
    X, _ = digits
    pretrained.save(tmp_path / "gan.pt")
    with pytest.raises(ValueError, match=r"first mismatched layer 'g\.blocks\.0\.1' .*has shape "
                                         r"\(256, 16\) in the weights but the network expects \(256, 8\)"):
        PretrainedGANFineTuner(tmp_path / "gan.pt", latent_dim=8, **FAST).fit(X[:32])
    with pytest.raises(ValueError, match=r"discriminator weights do not fit.*'d\.blocks\.0\.0'"):
        PretrainedGANFineTuner(pretrained, spectral_norm=True, **FAST).fit(X[:32])


def test_module_pair_is_copied_not_modified(digits):
    X, _ = digits
    g = DCGANGenerator(6, (1, 8, 8), n_filters=4)
    d = DCGANDiscriminator(1, (8, 8), n_filters=4)
    g0, d0 = state(g), state(d)
    ft = PretrainedGANFineTuner((g, d), freeze_discriminator=1, **FAST).fit(X[:64])
    assert ft.latent_dim_ == 6  # inferred from the generator's first layer
    assert not changed(g0, g) and not changed(d0, d)
    assert changed(g0, ft.generator_["g"])
    assert ft.sample(3, random_state=0).shape == (3, 1, 8, 8)
    with pytest.raises(ValueError, match="module pair"):
        ft.save("never-written.pt")
    assert pickle.loads(pickle.dumps(ft)).sample(3, random_state=0).shape == (3, 1, 8, 8)


def test_class_conditional_pretrained_gan_keeps_its_classes(digits):
    X, y = digits
    cgan = GAN(n_filters=4, latent_dim=4, **FAST).fit(X, y)
    ft = PretrainedGANFineTuner(cgan, **FAST).fit(1 - X[:60], np.where(y[:60] < 5, 1, 7))
    np.testing.assert_array_equal(ft.classes_, np.arange(10))
    assert ft.class_prior_[[1, 7]].sum() == pytest.approx(1.0)
    X_new, y_new = ft.sample(8, random_state=0)
    assert X_new.shape == (8, 1, 8, 8) and set(y_new) <= {1, 7}
    with pytest.raises(ValueError, match="class-conditional"):
        PretrainedGANFineTuner(cgan, **FAST).fit(X[:20])
    with pytest.raises(ValueError, match=r"labels \[42\] that are not among"):
        PretrainedGANFineTuner(cgan, **FAST).fit(X[:20], np.full(20, 42))


def test_torchvision_backbone_discriminator_with_local_weights(digits, tmp_path, monkeypatch):
    import torch.hub
    from torchvision.models import resnet18

    def no_download(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", no_download)
    monkeypatch.setattr(torch.hub, "download_url_to_file", no_download)
    reference = resnet18(weights=None)
    with torch.no_grad():
        reference.conv1.weight.mul_(3.0)  # weights that differ from a fresh network's
    torch.save(reference.state_dict(), tmp_path / "resnet18.pth")
    X, _ = digits
    X16 = np.kron(X[:32], np.ones((1, 1, 2, 2)))  # 16x16 images
    gan = GAN(n_filters=4, latent_dim=4, **FAST).fit(X16)
    ft = PretrainedGANFineTuner(gan, backbone="resnet18", backbone_weights=tmp_path / "resnet18.pth",
                                freeze_discriminator=2, **FAST)
    ft.fit(X16)
    d = ft.discriminator_["d"]
    stem_conv = d.blocks[0][1][0]
    assert torch.equal(stem_conv.weight, reference.conv1.weight)  # loaded and frozen
    assert torch.equal(d.blocks[1][0].bn1.running_mean, reference.layer1[0].bn1.running_mean)
    assert not torch.equal(d.blocks[3][0].bn1.running_mean,
                           reference.layer3[0].bn1.running_mean)  # unfrozen stages train
    assert ft.transform(X16[:5]).shape == (5, 512)


# ------------------------------------------------------------ data scaling
@pytest.fixture(scope="module")
def tabular():
    """A GAN pretrained on 3 features, and target rows whose ranges differ from its data."""
    rng = np.random.RandomState(0)
    X = rng.randn(600, 3) * [1.0, 3.0, 2.0] + [0.0, 10.0, 3.0]
    target = X[:, 0] > 1  # feature 0: mean about 1.5 and std 0.4 in the target rows
    X[target, 2] = 3.0  # feature 2: constant in the target rows
    gan = GAN(latent_dim=4, n_filters=16, max_epochs=30, batch_size=64, lr=1e-3,
              random_state=0).fit(X)
    return gan, X[target]


def _as_file(gan, tmp_path):
    """``gan`` saved to a weights file; its path, as ``pretrained=`` takes it."""
    gan.save(tmp_path / "gan.pt")
    return str(tmp_path / "gan.pt")


# one step at a tiny learning rate: the fine-tuned generator is the pretrained one
BARELY = dict(max_epochs=1, batch_size=256, lr=1e-9, random_state=0)


@pytest.mark.parametrize("from_file", [False, True])
def test_fine_tuning_keeps_the_pretrained_scaling(tabular, tmp_path, from_file):
    gan, X_target = tabular
    pretrained = _as_file(gan, tmp_path) if from_file else gan
    ft = PretrainedGANFineTuner(pretrained, **BARELY).fit(X_target)
    np.testing.assert_array_equal(ft.source_spec_.offset, gan.source_spec_.offset)
    np.testing.assert_array_equal(ft.source_spec_.scale, gan.source_spec_.scale)
    assert ft.source_spec_ is not gan.source_spec_
    # the pretrained generator's outputs are decoded as the pretrained GAN decodes them
    expected = gan.sample(2000, random_state=1)
    got = ft.sample(2000, random_state=1)
    shift = np.abs(got.mean(0) - expected.mean(0)) / gan.source_spec_.scale
    assert shift.max() < 0.01, shift
    np.testing.assert_allclose(got.std(0), expected.std(0), rtol=0.01)


@pytest.mark.parametrize("from_file", [False, True])
def test_rescale_refits_the_scaling_on_the_target_rows(tabular, tmp_path, from_file):
    gan, X_target = tabular
    pretrained = _as_file(gan, tmp_path) if from_file else gan
    ft = PretrainedGANFineTuner(pretrained, rescale=True, **BARELY).fit(X_target)
    np.testing.assert_allclose(ft.source_spec_.offset, X_target.mean(0))
    assert ft.source_spec_.scale[2] == 1.0  # the feature constant in the target rows
    # the same generator outputs, decoded on the target rows' scale: another distribution
    expected = gan.sample(2000, random_state=1)
    got = ft.sample(2000, random_state=1)
    shift = np.abs(got.mean(0) - expected.mean(0)) / gan.source_spec_.scale
    assert shift[0] > 0.5, shift
    assert got[:, 0].std() < 0.6 * expected[:, 0].std()


def test_module_pair_has_no_scaling_to_keep(tabular):
    gan, X_target = tabular
    ft = PretrainedGANFineTuner((gan.generator_["g"], gan.discriminator_["d"]),
                                **BARELY).fit(X_target)
    np.testing.assert_allclose(ft.source_spec_.offset, X_target.mean(0))


def test_warm_start_keeps_the_scaling_and_refuses_another_rescale(tabular):
    gan, X_target = tabular
    ft = PretrainedGANFineTuner(gan, rescale=True, warm_start=True, **BARELY).fit(X_target)
    first = ft.source_spec_
    ft.set_params(max_epochs=2).fit(X_target[::2])
    assert ft.source_spec_ is first and ft.n_epochs_ == 2
    with pytest.raises(ValueError, match="warm_start=True cannot change rescale"):
        ft.set_params(rescale=False, max_epochs=3).fit(X_target)
    assert ft.n_epochs_ == 2


def test_uint8_pretrained_data_and_float_target_data_warn(digits):
    X, _ = digits
    X8 = np.rint(X[:64] * 255).astype(np.uint8)
    gan = GAN(n_filters=4, latent_dim=4, **FAST).fit(X8)
    with pytest.warns(UserWarning, match="fitted on uint8 data.*rescale=True") as record:
        ft = PretrainedGANFineTuner(gan, **FAST).fit(X[:32])
    assert {w.filename for w in record if "rescale=True" in str(w.message)} == {__file__}
    assert ft.sample(2, random_state=0).dtype == np.uint8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ft = PretrainedGANFineTuner(gan, rescale=True, **FAST).fit(X[:32])
    assert ft.sample(2, random_state=0).dtype == X.dtype


# ------------------------------------------------------------- transfer
@pytest.fixture(scope="module")
def shifted(digits, pretrained):
    X, _ = digits
    X_target = 1.0 - X  # the made shift: inverted digits
    ft = PretrainedGANFineTuner(pretrained, max_epochs=30, batch_size=32, lr=5e-4,
                                random_state=0).fit(X_target[:200])
    return ft, X_target


def test_fine_tuning_on_a_made_shift_lowers_fid_against_the_target(pretrained, shifted):
    ft, X_target = shifted
    held_out = X_target[200:]
    before = frechet_distance(held_out, pretrained.sample(600, random_state=0))
    after = frechet_distance(held_out, ft.sample(600, random_state=0))
    assert after < 0.4 * before, (before, after)
    fid_scorer = make_fid_scorer(held_out, n_samples=600)
    assert fid_scorer(ft) > fid_scorer(pretrained)


def test_transform_gives_discriminator_features_for_a_classifier(digits, shifted):
    ft, X_target = shifted
    _, y = digits
    F = ft.transform(X_target)
    assert F.shape == (len(X_target), ft.discriminator_["d"].blocks[-1][-1].in_features)
    assert F.dtype == np.float32
    assert len(ft.get_feature_names_out()) == F.shape[1]
    pipe = Pipeline([("features", clone(ft)), ("clf", LogisticRegression(max_iter=500))])
    pipe.fit(X_target[:500], y[:500])
    assert pipe.score(X_target[500:], y[500:]) > 0.6


def test_sample_reproducible_and_fit_deterministic(pretrained, digits):
    X, _ = digits
    a = PretrainedGANFineTuner(pretrained, **FAST).fit(1 - X[:64])
    b = PretrainedGANFineTuner(pretrained, **FAST).fit(1 - X[:64])
    np.testing.assert_array_equal(a.sample(10, random_state=1), b.sample(10, random_state=1))
    assert not np.array_equal(a.sample(10, random_state=1), a.sample(10, random_state=2))


# ------------------------------------------------ model selection, cloning
@pytest.mark.filterwarnings("ignore:freeze_discriminator=2 freezes every parameter")
def test_grid_search_over_frozen_blocks_with_fid_scorer(pretrained, digits, monkeypatch):
    X, _ = digits
    before = state(pretrained.generator_)
    seen = []
    original_fit = PretrainedGANFineTuner.fit

    def recording_fit(self, X, y=None):
        seen.append(self.pretrained)
        return original_fit(self, X, y)

    monkeypatch.setattr(PretrainedGANFineTuner, "fit", recording_fit)
    search = GridSearchCV(PretrainedGANFineTuner(pretrained, **FAST),
                          {"freeze_discriminator": [0, 1, 2]}, scoring=make_fid_scorer(),
                          cv=2, refit=True)
    search.fit(1 - X[:60])
    assert all(p is pretrained for p in seen) and len(seen) == 7
    # each fold's score is minus the FID of a model fitted on the other fold, from the
    # same pretrained GAN (KFold(2): rows 30-59 train fold 0, rows 0-29 score it)
    for k in (0, 2):
        by_hand = PretrainedGANFineTuner(pretrained, freeze_discriminator=k, **FAST)
        by_hand = make_fid_scorer()(by_hand.fit(1 - X[30:60]), 1 - X[:30])
        assert search.cv_results_["split0_test_score"][k] == pytest.approx(by_hand)
    assert search.best_estimator_.sample(2, random_state=0).shape == (2, 1, 8, 8)
    assert not changed(before, pretrained.generator_)


def test_clone_and_get_params_keep_the_pretrained_object(pretrained):
    ft = PretrainedGANFineTuner(pretrained, freeze_discriminator=[ "blocks.0"], **FAST)
    copy = clone(ft)
    assert copy.pretrained is pretrained
    assert copy.freeze_discriminator == ["blocks.0"]
    assert copy.freeze_discriminator is not ft.freeze_discriminator
    params = ft.get_params(deep=True)
    assert params["pretrained"] is pretrained
    assert not any(k.startswith("pretrained__") for k in params)


# -------------------------------------------------------------- bad input
@pytest.mark.parametrize("make, X, match", [
    (lambda p: dict(pretrained=p), np.random.rand(20, 1, 16, 16),
     r"samples of shape \(1, 16, 16\) but the pretrained generator makes samples of shape \(1, 8, 8\)"),
    (lambda p: dict(pretrained=p, freeze_discriminator=5), np.random.rand(20, 1, 8, 8),
     "has 2 blocks"),
    (lambda p: dict(pretrained=p, freeze_generator=["blocks.9"]), np.random.rand(20, 1, 8, 8),
     "no parameter named 'blocks.9'"),
    (lambda p: dict(pretrained=p, freeze_generator="blocks.0"), np.random.rand(20, 1, 8, 8),
     "'freeze_generator' parameter"),
    (lambda p: dict(pretrained=GAN()), np.random.rand(20, 4), "is not fitted"),
    (lambda p: dict(pretrained=(torch.nn.Linear(2, 2),)), np.random.rand(20, 4),
     r"\(generator, discriminator\) torch modules"),
    (lambda p: dict(pretrained=42), np.random.rand(20, 4), "'pretrained' parameter"),
    (lambda p: dict(pretrained=p), np.full((20, 64), np.nan), "Input X contains NaN"),
    (lambda p: dict(pretrained=p, backbone="not_a_model"), np.random.rand(20, 1, 8, 8),
     "Unknown torchvision classification model 'not_a_model'"),
    (lambda p: dict(pretrained="no/such/file.pt"), np.random.rand(20, 4), "No such file"),
])
def test_bad_input_raises_before_training(pretrained, make, X, match, monkeypatch):
    from skgan.training import AdversarialNet

    def no_training(*args, **kw):
        raise AssertionError("training started")

    monkeypatch.setattr(AdversarialNet, "fit", no_training)
    est = PretrainedGANFineTuner(**make(pretrained), **FAST)
    with pytest.raises((ValueError, TypeError, FileNotFoundError), match=match):
        est.fit(X)
    assert not hasattr(est, "net_")


def test_a_translator_is_not_a_pretrained_gan():
    rng = np.random.RandomState(0)
    tr = CycleGANTranslator(max_epochs=1, n_filters=4, n_blocks=1, random_state=0)
    tr.fit(rng.randn(20, 2), X_target=rng.randn(20, 2))
    with pytest.raises(TypeError, match="no noise-to-sample generator"):
        PretrainedGANFineTuner(tr, **FAST).fit(rng.randn(20, 2))


def test_no_pretrained_model_warns_and_trains_from_scratch(digits):
    X, _ = digits
    with pytest.warns(UserWarning, match="pretrained=None; training new networks from scratch"):
        ft = PretrainedGANFineTuner(n_filters=4, latent_dim=4, **FAST).fit(X[:64])
    assert ft.sample(2, random_state=0).shape == (2, 1, 8, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cond = PretrainedGANFineTuner(n_filters=4, latent_dim=4, **FAST).fit(X[:64], np.arange(64) % 3)
    assert cond.n_classes_ == 3 and cond.sample(2, random_state=0, y=[0, 2])[1].tolist() == [0, 2]
