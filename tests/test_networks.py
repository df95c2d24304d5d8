"""skgan.nn: shapes over many image sizes, losses, penalties, initialisation."""

import pytest
import torch
from torch import nn

from skgan.nn import (
    LOSSES,
    GANLoss,
    MLPGenerator,
    build_discriminator,
    build_generator,
    gradient_penalty,
    init_weights,
)

SIZES = [(8, 8), (16, 16), (28, 28), (30, 30), (25, 25), (16, 24), (64, 64)]


@pytest.mark.parametrize("name", ["resnet", "unet"])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("channels", [(1, 3), (3, 1)])
def test_translators_keep_spatial_size_and_range(name, size, channels):
    c_in, c_out = channels
    g = build_generator(name, in_shape=(c_in, *size), out_shape=(c_out, *size), n_filters=4,
                        n_blocks=1)
    out = g(torch.randn(2, c_in, *size) * 3)
    assert out.shape == (2, c_out, *size)
    assert out.min() >= -1 and out.max() <= 1
    assert len(g.blocks) >= 2


@pytest.mark.parametrize("size", [(8, 8), (16, 16), (28, 28), (25, 25), (32, 32), (64, 64)])
def test_dcgan_generator_makes_exact_sizes(size):
    g = build_generator("dcgan", in_shape=(8,), out_shape=(3, *size), n_filters=4)
    out = g(torch.randn(2, 8))
    assert out.shape == (2, 3, *size) and out.abs().max() <= 1


@pytest.mark.parametrize("name", ["patch", "dcgan"])
@pytest.mark.parametrize("size", SIZES)
def test_image_discriminators_give_logits_and_features(name, size):
    d = build_discriminator(name, in_shape=(3, *size), n_filters=4)
    x = torch.randn(2, 3, *size)
    out = d(x)
    assert out.shape[:2] == (2, 1) and out[0].numel() >= 1
    feats = d.features(x)
    assert feats.dim() == 2 and feats.shape[0] == 2


def test_256_pixel_images_work():
    x = torch.randn(1, 3, 256, 256)
    g = build_generator("resnet", in_shape=(3, 256, 256), out_shape=(3, 256, 256), n_filters=2,
                        n_blocks=1)
    assert g(x).shape == x.shape
    d = build_discriminator("patch", in_shape=(3, 256, 256), n_filters=2)
    assert d(x).shape == (1, 1, 30, 30)  # the reference 70x70 PatchGAN output size


def test_tabular_networks_and_residual_identity():
    g = build_generator("auto", in_shape=(5,), out_shape=(5,), n_filters=8, residual=True)
    assert isinstance(g, MLPGenerator)
    last = g.blocks[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()
    x = torch.randn(4, 5)
    torch.testing.assert_close(g(x), x)
    d = build_discriminator("auto", in_shape=(5,), n_filters=8)
    assert d(x).shape == (4, 1) and d.features(x).shape == (4, 8)
    with pytest.raises(ValueError, match="residual=True needs in_features == out_features"):
        MLPGenerator(3, 4, residual=True)


def test_spectral_norm_is_applied_to_every_layer():
    d = build_discriminator("patch", in_shape=(1, 16, 16), n_filters=4, spectral_norm=True)
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(nn.utils.parametrize.is_parametrized(m, "weight") for m in convs)
    assert not any(isinstance(m, nn.InstanceNorm2d) for m in d.modules())


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: build_generator("nope", in_shape=(2,), out_shape=(2,)), "Unknown generator 'nope'"),
        (lambda: build_discriminator("nope", in_shape=(2,)), "Unknown discriminator 'nope'"),
        (lambda: GANLoss("nope"), "Unknown loss 'nope'"),
        (lambda: init_weights(nn.Linear(2, 2), scheme="nope"), "Unknown init scheme 'nope'"),
        (lambda: build_generator("mlp", in_shape=(1, 8, 8), out_shape=(1, 8, 8)), "flat samples"),
        (lambda: build_generator("resnet", in_shape=(1, 8, 8), out_shape=(1, 4, 4)), "one spatial size"),
        (lambda: build_generator("dcgan", in_shape=(1, 8, 8), out_shape=(1, 8, 8)), "maps noise"),
        (lambda: gradient_penalty(nn.Linear(2, 1), torch.zeros(2, 2), kind="nope"), "Unknown gradient penalty"),
    ],
)
def test_bad_names_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("mode", LOSSES)
def test_losses_reward_the_right_side(mode):
    loss = GANLoss(mode)
    good = loss.discriminator_loss(torch.full((8, 1), 2.0), torch.full((8, 1), -2.0))
    bad = loss.discriminator_loss(torch.full((8, 1), -2.0), torch.full((8, 1), 2.0))
    assert good < bad
    # the generator's loss falls as its fakes are judged more real
    assert loss.generator_loss(torch.full((8, 1), 1.0)) < loss.generator_loss(torch.full((8, 1), -1.0))


def test_gradient_penalties_match_closed_forms():
    d = nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        d.weight.copy_(torch.tensor([[0.6, 0.8, 0.0]]))  # ||w|| = 1
    real, fake = torch.randn(5, 3), torch.randn(5, 3)
    gen = torch.Generator().manual_seed(0)
    assert gradient_penalty(d, real, fake, generator=gen).item() == pytest.approx(0.0, abs=1e-10)
    with torch.no_grad():
        d.weight.mul_(3.0)
    assert gradient_penalty(d, real, kind="r1").item() == pytest.approx(0.5 * 9.0)
    assert gradient_penalty(d, real, fake, generator=gen).item() == pytest.approx(4.0)
    # the penalty is differentiable w.r.t. the discriminator's weights
    gradient_penalty(d, real, kind="r1").backward()
    assert d.weight.grad is not None and d.weight.grad.abs().sum() > 0


def test_init_weights_is_reproducible_and_leaves_global_rng_alone():
    def build(seed, scheme="normal"):
        net = build_generator("resnet", in_shape=(1, 8, 8), out_shape=(1, 8, 8), n_filters=4,
                              n_blocks=1)
        state = torch.get_rng_state()
        init_weights(net, scheme=scheme, generator=torch.Generator().manual_seed(seed))
        assert torch.equal(torch.get_rng_state(), state)  # init draws from `generator` only
        return net

    a, b, c = build(0), build(0), build(1, scheme="default")
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert any(not torch.equal(pa, pc) for pa, pc in zip(a.parameters(), c.parameters()))
    conv = a.blocks[0][1]
    assert abs(conv.weight.std().item() - 0.02) < 0.01  # DCGAN/CycleGAN N(0, 0.02)
