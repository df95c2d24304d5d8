"""Exemplar colour: statistics, polarity, palette variety, the head and the adapter option."""

import numpy as np
import pytest
import torch
from torch import nn

from skgan import GANDomainAdapter
from skgan.nn.exemplar import (
    ExemplarColour,
    exemplar_statistics,
    palette_variety,
    polarity,
    skewness,
)

TINY = dict(max_epochs=2, batch_size=16, n_filters=4, random_state=0)


def strokes(n=6, size=8, seed=0):
    """(n, 1, size, size) grey maps in [0, 1]: a few bright stroke pixels on a dark ground."""
    rng = np.random.RandomState(seed)
    maps = np.zeros((n, 1, size, size), dtype=np.float32)
    for m in maps:
        m[0, rng.randint(1, size - 1), 1 : size - 1] = 1.0  # a bar across
        m[0, 1 : size - 1, rng.randint(1, size - 1)] = 1.0  # and one down
    return maps


def coloured(maps, ground, ink):
    """Grey maps as colour images: ``ground`` colour where the map is 0, ``ink`` where 1."""
    ground = np.asarray(ground, dtype=np.float32)[:, None, None]
    ink = np.asarray(ink, dtype=np.float32)[:, None, None]
    return ground + (ink - ground) * maps  # (n, C, H, W) by broadcasting over the channel


def photo_blend(n=120, size=8, seed=0):
    """Digits-M-like images: strokes over a random flat colour per image, inverted there."""
    rng = np.random.RandomState(seed)
    maps = strokes(n, size, seed)
    colours = rng.rand(n, 3, 1, 1).astype(np.float32)
    return np.abs(colours - maps).astype(np.float32), maps


def test_skewness_sign_follows_the_minority_side():
    v = torch.tensor([[0.0] * 9 + [1.0], [1.0] * 9 + [0.0]])
    s = skewness(v)
    assert s[0] > 1 and s[1] < -1
    assert torch.allclose(s[0], -s[1])


def test_polarity_says_which_channels_are_bright_on_the_strokes():
    maps = torch.from_numpy(strokes())
    # red strokes on a blue ground: red brighter on the strokes, blue darker, green flat-ish
    images = torch.from_numpy(coloured(maps.numpy(), ground=[0.1, 0.2, 0.9], ink=[0.9, 0.6, 0.1]))
    np.testing.assert_array_equal(polarity(images).numpy(), [[1, 1, -1]] * len(maps))
    # the same images with strokes and ground swapped: every sign flips
    swapped = torch.from_numpy(coloured(maps.numpy(), ground=[0.9, 0.6, 0.1],
                                        ink=[0.1, 0.2, 0.9]))
    np.testing.assert_array_equal(polarity(swapped).numpy(), [[-1, -1, 1]] * len(maps))


def test_exemplar_statistics_are_channel_means_stds_and_polarities():
    images = torch.from_numpy(photo_blend(10)[0]) * 2 - 1
    stats = exemplar_statistics(images)
    assert stats.shape == (10, 9)
    torch.testing.assert_close(stats[:, :3], images.mean((2, 3)))
    torch.testing.assert_close(stats[:, 3:6], images.std((2, 3)))
    torch.testing.assert_close(stats[:, 6:], polarity(images))


def test_palette_variety_is_zero_for_a_fixed_palette_and_high_for_photo_blends():
    maps = strokes(60)
    tinted = torch.from_numpy(coloured(1 - maps, ground=[0, 0, 0], ink=[1.0, 0.6, 0.2]))
    assert palette_variety(tinted) < 1e-4
    assert palette_variety(torch.from_numpy(maps)) == 0.0  # one channel
    blend = torch.from_numpy(photo_blend(60)[0])
    assert palette_variety(blend) > 0.05


class _Fixed(nn.Module):
    """A stand-in generator that ignores its input and returns ``grey`` in every channel."""

    def __init__(self, grey, channels=3):
        super().__init__()
        self.grey, self.channels = grey, channels

    def forward(self, x):
        return self.grey.expand(-1, self.channels, -1, -1)


def test_exemplar_colour_head_takes_the_exemplar_palette_and_polarity():
    maps = torch.from_numpy(strokes(4))
    exemplars = torch.from_numpy(coloured(maps.numpy(), ground=[-0.2, 0.0, 0.3],
                                          ink=[0.4, 0.1, -0.3]))
    stats = exemplar_statistics(exemplars)
    x = torch.cat([maps, stats[:, :, None, None].expand(-1, -1, 8, 8)], dim=1)
    out = ExemplarColour(_Fixed(maps * 5 + 2), out_channels=3)(x)
    assert out.shape == (4, 3, 8, 8)
    # each channel has the exemplar's mean and std (no clamping at these values)
    torch.testing.assert_close(out.mean((2, 3)), stats[:, :3], atol=1e-3, rtol=0)
    torch.testing.assert_close(out.std((2, 3)), stats[:, 3:6], atol=1e-3, rtol=0)
    # strokes where the generator put them, in the exemplar's colours: the output is
    # the exemplar itself here (same layout, two colours)
    torch.testing.assert_close(out, exemplars, atol=1e-3, rtol=0)
    # a generator drawing the negative of the map (strokes dark) gives the same output:
    # the minority side is the strokes, whichever sign the generator uses
    negative = ExemplarColour(_Fixed(1 - 5 * maps), out_channels=3)(x)
    torch.testing.assert_close(negative, out, atol=1e-3, rtol=0)


def test_exemplar_colour_head_passes_gradients_to_the_generator():
    inner = nn.Conv2d(1 + 9, 3, 3, padding=1)
    head = ExemplarColour(inner, out_channels=3)
    stats = exemplar_statistics(torch.rand(4, 3, 8, 8) * 0.5)
    x = torch.cat([torch.rand(4, 1, 8, 8), stats[:, :, None, None].expand(-1, -1, 8, 8)], 1)
    head(x).pow(2).sum().backward()
    assert inner.weight.grad is not None and inner.weight.grad.abs().sum() > 0


# ------------------------------------------------------------------- the adapter
@pytest.fixture(scope="module")
def blend_adapter():
    target, _ = photo_blend(96, seed=1)
    source = strokes(96, seed=2)
    y = np.arange(96) % 2
    adapter = GANDomainAdapter(**TINY).fit(source, y, X_target=target)
    return adapter, source, y, target


def test_auto_turns_exemplar_colour_on_for_varied_palettes_only(blend_adapter):
    adapter, source, y, target = blend_adapter
    assert isinstance(adapter.generator_["st"], ExemplarColour)
    assert adapter.target_colours_.shape == (len(target), 9)
    assert adapter.target_colours_.dtype == np.float32
    encoded = adapter.target_spec_.encode(target)  # the networks' scale
    np.testing.assert_allclose(adapter.target_colours_, exemplar_statistics(encoded).numpy(),
                               atol=1e-5)
    # a fixed tint (the restyled digits' kind of target) and grey targets: off
    tinted = coloured(1 - strokes(96, seed=1), ground=[0, 0, 0], ink=[1.0, 0.6, 0.2])
    for X_target in (tinted, strokes(96, seed=1)):
        plain = GANDomainAdapter(**{**TINY, "max_epochs": 1}).fit(source, y, X_target=X_target)
        assert plain.target_colours_ is None
        assert not isinstance(plain.generator_["st"], ExemplarColour)
    forced = GANDomainAdapter(**{**TINY, "max_epochs": 1, "exemplar_colour": True})
    assert forced.fit(source, y, X_target=tinted).target_colours_ is not None


def test_renderings_take_the_palettes_of_target_images(blend_adapter):
    adapter, source, y, target = blend_adapter
    rendered = adapter.transform(source, sample_domain="source")
    np.testing.assert_array_equal(rendered, adapter.transform(source, sample_domain="source"))
    # every rendering's channel means are those of one real target image (drawn
    # from noise_seed_), in the target's value range
    rows = torch.randint(len(target), (len(source),),
                         generator=torch.Generator().manual_seed(int(adapter.noise_seed_)))
    offset, scale = float(adapter.target_spec_.offset), float(adapter.target_spec_.scale)
    means = adapter.target_colours_[rows.numpy(), :3] * scale + offset
    lo, hi = offset - scale, offset + scale
    clamped = (rendered <= lo + 1e-6).mean((2, 3)) + (rendered >= hi - 1e-6).mean((2, 3))
    free = clamped == 0  # channels the range's clamp leaves alone
    assert free.mean() > 0.5
    np.testing.assert_allclose(rendered.mean((2, 3))[free], means[free], atol=0.01)
    # so the renderings' palettes vary as much as the target's, unlike one palette
    assert rendered.mean((2, 3)).std(0).mean() > 0.5 * target.mean((2, 3)).std(0).mean()
    # sample draws other exemplars per random_state, reproducibly
    X1, _ = adapter.sample(8, random_state=3)
    X2, _ = adapter.sample(8, random_state=3)
    np.testing.assert_array_equal(X1, X2)


def test_exemplar_colours_survive_save_load_and_pickle(blend_adapter, tmp_path):
    import pickle

    adapter, source, y, target = blend_adapter
    expected = adapter.transform(source[:10], sample_domain="source")
    adapter.save(tmp_path / "m.pt")
    loaded = GANDomainAdapter.load(tmp_path / "m.pt")
    np.testing.assert_array_equal(loaded.target_colours_, adapter.target_colours_)
    np.testing.assert_allclose(loaded.transform(source[:10], sample_domain="source"), expected,
                               atol=1e-6)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(adapter)).transform(source[:10], sample_domain="source"),
        expected)
    # and a model fitted without them saves and loads a None
    plain = GANDomainAdapter(**{**TINY, "max_epochs": 1, "exemplar_colour": False}).fit(
        source, y, X_target=target)
    plain.save(tmp_path / "p.pt")
    assert GANDomainAdapter.load(tmp_path / "p.pt").target_colours_ is None


def test_exemplar_colour_is_checked_before_training():
    rng = np.random.RandomState(0)
    X, y = rng.randn(40, 4), np.arange(40) % 2
    with pytest.raises(ValueError, match="exemplar_colour=True needs images"):
        GANDomainAdapter(**{**TINY, "exemplar_colour": True}).fit(X, y, X_target=X + 1)
    with pytest.raises(ValueError, match="exemplar_colour"):
        GANDomainAdapter(**{**TINY, "exemplar_colour": "yes"}).fit(X, y, X_target=X + 1)
    # tabular data: "auto" leaves it off
    assert GANDomainAdapter(**{**TINY, "max_epochs": 1}).fit(
        X, y, X_target=X + 1).target_colours_ is None


def test_warm_start_keeps_the_exemplar_head(blend_adapter):
    _, source, y, target = blend_adapter
    adapter = GANDomainAdapter(**{**TINY, "max_epochs": 1, "warm_start": True})
    adapter.fit(source, y, X_target=target)
    head = adapter.generator_["st"]
    adapter.set_params(max_epochs=2).fit(source, y, X_target=target)
    assert adapter.generator_["st"] is head and adapter.n_epochs_ == 2
    with pytest.raises(ValueError, match="exemplar_colour"):
        adapter.set_params(exemplar_colour=False, max_epochs=3).fit(source, y, X_target=target)
