"""Differentiable augmentation (DiffAugment): the ops, and GAN / fine-tuner training with it."""

import numpy as np
import pytest
import torch

from skgan import GAN, PretrainedGANFineTuner
from skgan.datasets import load_digits_domains
from skgan.nn import diff_augment, parse_augment

TINY = dict(max_epochs=2, batch_size=16, n_filters=4, latent_dim=4, random_state=0)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.fixture(scope="module")
def digits():
    return load_digits_domains(random_state=0).X_source[:120].astype(np.float32)


def test_parse_augment_accepts_strings_and_lists_and_names_bad_policies():
    assert parse_augment("Translation, cutout,translation") == ("translation", "cutout")
    assert parse_augment(["color"]) == ("color",)
    assert parse_augment(None) == parse_augment("") == ()
    with pytest.raises(ValueError, match="augment='flip'.*unknown policy 'flip'"):
        parse_augment("flip")
    with pytest.raises(ValueError, match="as strings"):
        parse_augment([1])
    assert parse_augment("color", shape=(3, 8, 8)) == ("color",)
    assert parse_augment(None, shape=(4,)) == ()
    with pytest.raises(ValueError, match="augment='color' needs image data"):
        parse_augment("color", shape=(4,))


def test_translation_shifts_whole_images_and_pads_with_zeros():
    x = torch.arange(1, 8 * 8 * 6 + 1, dtype=torch.float32).view(6, 1, 8, 8)
    out = diff_augment(x, ("translation",), gen())
    assert out.shape == x.shape
    for a, b in zip(out[:, 0], x[:, 0]):
        # at most one pixel (1/8 of 8) each way, and every kept pixel keeps its neighbours
        shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                  if torch.equal(a, _shift(b, dy, dx))]
        assert len(shifts) == 1


def _shift(img, dy, dx):
    out = torch.zeros_like(img)
    h, w = img.shape
    src = img[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    out[max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] = src
    return out


def test_cutout_zeroes_one_square_of_at_most_a_quarter_of_the_image():
    x = torch.ones(200, 3, 8, 8)
    out = diff_augment(x, ("cutout",), gen())
    zeroed = (out == 0).all(dim=1)  # same square in every channel
    frac = zeroed.float().mean(dim=(1, 2))
    assert torch.all(frac <= 0.25) and torch.all(frac > 0)
    assert (frac == 0.25).float().mean() > 0.2  # whole squares inside the image happen
    assert torch.equal((out == 0).any(dim=1), zeroed)


def test_fill_sets_what_translation_uncovers_and_cutout_blanks():
    # dark digits-like images: background -1 with a bright centre
    x = -torch.ones(64, 2, 8, 8)
    x[:, :, 3:5, 3:5] = 1.0
    x[:, 1] -= 0.5  # a second channel with another background, (-1.5)
    for policy in ("translation", "cutout"):
        grey = diff_augment(x, (policy,), gen())
        border = diff_augment(x, (policy,), gen(), fill="border")
        constant = diff_augment(x, (policy,), gen(), fill=-1.0)
        assert torch.equal(grey, diff_augment(x, (policy,), gen(), fill=0.0))
        assert (grey == 0).any()  # DiffAugment's mid-grey margin or square
        # "border" keeps each channel's background; the bright pixels move, none appear
        assert set(border[:, 0].unique().tolist()) <= {-1.0, 1.0}
        assert set(border[:, 1].unique().tolist()) <= {-1.5, 0.5}
        assert torch.equal(constant[:, 0], border[:, 0])
    with pytest.raises(ValueError, match="fill must be a number or 'border'"):
        diff_augment(x, ("translation",), gen(), fill="edge")


def test_color_changes_values_per_sample_not_shape():
    x = torch.rand(16, 3, 8, 8) * 2 - 1
    out = diff_augment(x, ("color",), gen())
    assert out.shape == x.shape
    assert not torch.allclose(out, x)
    assert len(torch.unique((out - x).mean(dim=(1, 2, 3)).round(decimals=4))) > 8


def test_augment_is_differentiable_reproducible_and_off_by_default():
    x = torch.rand(4, 1, 8, 8, requires_grad=True)
    policies = ("color", "translation", "cutout")
    out = diff_augment(x, policies, gen(3))
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert torch.equal(out, diff_augment(x, policies, gen(3)))
    assert not torch.equal(out, diff_augment(x, policies, gen(4)))
    assert diff_augment(x, (), gen()) is x
    with pytest.raises(ValueError, match="image batches"):
        diff_augment(torch.rand(4, 3), ("cutout",), gen())


def _seen_by_discriminator(model, X):
    seen = []
    original = model._make_net

    def make_net(generators, discriminators, **kwargs):
        discriminators["d"].register_forward_pre_hook(
            lambda module, args: seen.append(args[0].detach().clone()))
        return original(generators, discriminators, **kwargs)

    model._make_net = make_net
    model.fit(X)
    return torch.cat(seen)


def test_gan_discriminator_sees_augmented_batches(digits):
    # cutout zeroes squares: the networks' scale maps the data to [-1, 1], so exact
    # zeros over a 2x2 square (the smallest part of a 4x4 cutout square left inside an
    # 8x8 image) appear only when the batch was augmented
    def has_cutout(batch):
        zero = (batch == 0).all(dim=1)
        blocks = torch.nn.functional.avg_pool2d(zero.float().unsqueeze(1), 2, stride=1)
        return (blocks == 1).flatten(1).any(dim=1).float().mean().item()

    plain = _seen_by_discriminator(GAN(**TINY), digits)
    augmented = _seen_by_discriminator(GAN(augment="cutout", **TINY), digits)
    assert has_cutout(plain) < 0.05
    assert has_cutout(augmented) > 0.9


def test_gan_with_augment_is_reproducible_and_differs_from_plain(digits):
    a = GAN(augment="translation,cutout", **TINY).fit(digits).sample(8, random_state=0)
    b = GAN(augment="translation,cutout", **TINY).fit(digits).sample(8, random_state=0)
    c = GAN(**TINY).fit(digits).sample(8, random_state=0)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_fine_tuner_with_augment_keeps_frozen_layers_and_trains_the_rest(digits):
    gan = GAN(**TINY).fit(digits)
    ft = PretrainedGANFineTuner(pretrained=gan, freeze_discriminator=1, augment="translation",
                                max_epochs=3, batch_size=8, random_state=0).fit(digits[:24])
    before, after = gan.discriminator_.state_dict(), ft.discriminator_.state_dict()
    for name in after:
        if name.startswith("d.blocks.0"):
            assert torch.equal(before[name], after[name]), name
    assert any(not torch.equal(before[n], after[n]) for n in after if "blocks.0" not in n)


@pytest.mark.parametrize("make", [
    lambda: GAN(augment="cutout", **TINY),
    lambda: PretrainedGANFineTuner(augment="translation", **TINY),
])
@pytest.mark.filterwarnings("ignore:PretrainedGANFineTuner got pretrained=None")
def test_augment_on_tabular_data_raises_before_training(make):
    model = make()
    with pytest.raises(ValueError, match="augment=.*needs image data"):
        model.fit(np.random.RandomState(0).rand(40, 3))
    assert not hasattr(model, "net_")


def test_unknown_policy_raises_before_training(digits):
    model = GAN(augment="translation,flip", **TINY)
    with pytest.raises(ValueError, match="unknown policy 'flip'"):
        model.fit(digits)
    assert not hasattr(model, "net_")
