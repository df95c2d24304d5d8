"""Tests for skgan.nn: shapes, blocks, features, spectral norm, losses, penalties, init."""

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from skgan.nn import (
    DISCRIMINATORS,
    GENERATORS,
    LOSSES,
    DCGANDiscriminator,
    DCGANGenerator,
    GANLoss,
    MLPDiscriminator,
    MLPGenerator,
    PatchDiscriminator,
    ResnetGenerator,
    UnetGenerator,
    build_discriminator,
    build_generator,
    gradient_penalty,
    init_weights,
    resolve_generator_name,
    structure_loss,
)
from skgan.nn._blocks import UpConv2d, pixel_shuffle2, subpixel_weight

SIZES = [(8, 8), (16, 16), (28, 28), (30, 30), (25, 25), (64, 64), (12, 20), (9, 31)]
CHANNELS = [(1, 3), (3, 1)]
NF = 4


def _images(c, size, n=2, seed=0):
    return torch.rand((n, c, *size), generator=torch.Generator().manual_seed(seed)) * 2 - 1


def _make_translator(kind, c_in, c_out, size):
    if kind == "resnet":
        return ResnetGenerator(c_in, c_out, size, n_filters=NF, n_blocks=2)
    return UnetGenerator(c_in, c_out, size, n_filters=NF)


def _make_discriminator(kind, c, size, spectral_norm=False):
    if kind == "patch":
        return PatchDiscriminator(c, size, n_filters=NF, spectral_norm=spectral_norm)
    return DCGANDiscriminator(c, size, n_filters=NF, spectral_norm=spectral_norm)


def _check_blocks(net):
    assert isinstance(net.blocks, (nn.Sequential, nn.ModuleList))
    assert len(net.blocks) > 0


# ---------------------------------------------------------------- generators
@pytest.mark.parametrize("kind", ["resnet", "unet"])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("channels", CHANNELS)
def test_translator_shapes(kind, size, channels):
    c_in, c_out = channels
    g = _make_translator(kind, c_in, c_out, size)
    out = g(_images(c_in, size))
    assert out.shape == (2, c_out, *size)
    assert out.abs().max() <= 1
    _check_blocks(g)


@pytest.mark.parametrize("size", SIZES)
def test_dcgan_generator_shapes(size):
    g = DCGANGenerator(8, (3, *size), n_filters=NF)
    out = g(torch.randn(2, 8))
    assert out.shape == (2, 3, *size)
    assert out.abs().max() <= 1
    assert g(torch.randn(2, 8, 1, 1)).shape == (2, 3, *size)
    _check_blocks(g)


@pytest.mark.parametrize("c_in, c_out, size, bias", [
    (8, 1, (7, 7), False), (16, 8, (7, 7), True), (3, 2, (5, 6), True), (1, 1, (1, 1), False),
])
def test_upconv_infers_as_subpixel_convolution_with_the_same_result(c_in, c_out, size, bias):
    torch.manual_seed(0)
    layer = UpConv2d(c_in, c_out, 4, stride=2, padding=1, bias=bias)
    nn.init.normal_(layer.weight)
    x = torch.randn(3, c_in, *size)
    plain = nn.ConvTranspose2d.forward(layer, x)
    assert torch.equal(layer(x), plain)  # training: PyTorch's own path, bitwise
    layer.eval()
    assert torch.equal(layer(x), plain)  # gradients on: the same
    with torch.no_grad():
        fast = layer(x)
    assert fast.shape == (3, c_out, 2 * size[0], 2 * size[1])
    assert fast.is_contiguous()
    assert torch.allclose(fast, plain, atol=1e-5)
    assert not torch.equal(fast, torch.zeros_like(fast))
    assert set(layer.state_dict()) == set(nn.ConvTranspose2d(c_in, c_out, 4, bias=bias).state_dict())


def test_subpixel_weight_places_each_tap_once():
    w = torch.arange(2 * 3 * 16, dtype=torch.float32).reshape(2, 3, 4, 4) + 1
    v = subpixel_weight(w)
    assert v.shape == (12, 2, 3, 3)
    assert torch.equal(torch.sort(v[v != 0]).values, torch.sort(w.flatten()).values)
    assert torch.equal(pixel_shuffle2(torch.arange(96.0).reshape(1, 8, 3, 4)),
                       nn.functional.pixel_shuffle(torch.arange(96.0).reshape(1, 8, 3, 4), 2))


@pytest.mark.parametrize("kwargs", [dict(output_padding=1), dict(padding=0)])
def test_upconv_keeps_the_transposed_form_where_it_has_no_subpixel_twin(kwargs):
    layer = UpConv2d(4, 2, 4, stride=2, **{"padding": 1, **kwargs}).eval()
    x = torch.randn(2, 4, 5, 5)
    with torch.no_grad():
        assert torch.equal(layer(x), nn.ConvTranspose2d.forward(layer, x))
    wide = UpConv2d(4, 16, 4, stride=2, padding=1).eval()
    with torch.no_grad():
        assert torch.equal(wide(x), nn.ConvTranspose2d.forward(wide, x))


def test_dcgan_generator_samples_as_it_trains():
    g = DCGANGenerator(8, (1, 28, 28), n_filters=4).eval()
    assert any(isinstance(m, UpConv2d) and m.out_channels <= 8 for m in g.modules())
    z = torch.randn(5, 8)
    with torch.no_grad():
        fast = g(z)
    assert torch.allclose(fast, g(z), atol=1e-5)


def test_large_images():
    size = (256, 256)
    x = _images(3, size, n=1)
    assert ResnetGenerator(3, 1, size, n_filters=2, n_blocks=1)(x).shape == (1, 1, *size)
    assert UnetGenerator(3, 1, size, n_filters=2)(x).shape == (1, 1, *size)
    assert DCGANGenerator(4, (3, *size), n_filters=2).eval()(torch.randn(1, 4)).shape == (1, 3, *size)
    assert PatchDiscriminator(3, size, n_filters=2)(x).shape == (1, 1, 30, 30)
    assert DCGANDiscriminator(3, size, n_filters=2)(x).shape == (1, 1)


def test_resnet_blocks_layout():
    g = ResnetGenerator(3, 3, (32, 32), n_filters=NF, n_blocks=3)
    assert g.n_down == 2
    assert len(g.blocks) == 1 + 2 + 3 + 2 + 1
    assert isinstance(g.blocks[-1][-1], nn.Tanh)
    assert ResnetGenerator(3, 3, (8, 8), n_filters=NF, n_blocks=1)(_images(3, (8, 8))).shape == (2, 3, 8, 8)


def test_unet_depth():
    assert UnetGenerator(1, 1, (8, 8), n_filters=NF).depth == 2
    assert UnetGenerator(1, 1, (25, 25), n_filters=NF).depth == 3
    assert UnetGenerator(1, 1, (256, 256), n_filters=NF).depth == 5
    for depth in (0, 2):
        g = UnetGenerator(1, 1, (64, 64), n_filters=NF, depth=depth)
        assert len(g.blocks) == 2 * depth + 2
        assert g(_images(1, (64, 64))).shape == (2, 1, 64, 64)
    with pytest.raises(ValueError, match="depth"):
        UnetGenerator(1, 1, (8, 8), depth=3)
    with pytest.raises(ValueError, match="depth"):
        UnetGenerator(1, 1, (8, 8), depth=-1)


@pytest.mark.parametrize("kind", ["resnet", "unet"])
def test_generators_backpropagate(kind):
    g = _make_translator(kind, 1, 3, (16, 16))
    x = _images(1, (16, 16)).requires_grad_()
    g(x).sum().backward()
    # every weight, and the input, gets a non-zero gradient (biases in front of an
    # instance norm cancel out, so only their existence is checked)
    assert all(p.grad is not None for p in g.parameters())
    assert all(p.grad.abs().sum() > 0 for p in g.parameters() if p.dim() > 1)
    assert x.grad.abs().sum() > 0


@pytest.mark.parametrize("n_layers", [0, 1, 3])
def test_mlp_generator(n_layers):
    g = MLPGenerator(5, 7, n_filters=8, n_layers=n_layers)
    assert g(torch.randn(2, 5)).shape == (2, 7)
    assert len(g.blocks) == n_layers + 1


def test_mlp_generator_has_no_output_activation():
    g = MLPGenerator(3, 3, n_filters=8)
    with torch.no_grad():
        g.blocks[-1].bias.fill_(5.0)
        g.blocks[-1].weight.zero_()
    assert torch.allclose(g(torch.randn(2, 3)), torch.full((2, 3), 5.0))


def test_residual_mlp_is_identity_at_zero_last_layer():
    g = MLPGenerator(6, 6, n_filters=8, residual=True)
    nn.init.zeros_(g.blocks[-1].weight)
    nn.init.zeros_(g.blocks[-1].bias)
    x = torch.randn(4, 6)
    assert torch.equal(g(x), x)
    with pytest.raises(ValueError, match="residual"):
        MLPGenerator(5, 6, residual=True)  # needs in_features >= out_features


def test_build_generator():
    g = build_generator("auto", in_shape=(4,), out_shape=(4,), n_filters=8, residual=True)
    assert isinstance(g, MLPGenerator) and g.residual
    assert len(build_generator("mlp", in_shape=(4,), out_shape=(2,), n_layers=1).blocks) == 2
    g = build_generator("auto", in_shape=(1, 8, 8), out_shape=(3, 8, 8), n_filters=NF, n_blocks=1)
    assert isinstance(g, ResnetGenerator) and len(g.blocks) == 1 + 2 + 1 + 2 + 1
    assert isinstance(build_generator("unet", in_shape=(1, 8, 8), out_shape=(3, 8, 8), n_filters=NF), UnetGenerator)
    g = build_generator("dcgan", in_shape=(8,), out_shape=(1, 28, 28), n_filters=NF)
    assert isinstance(g, DCGANGenerator)
    assert set(GENERATORS) == {"mlp", "resnet", "unet", "dcgan"}
    assert resolve_generator_name("auto", (3,)) == "mlp"
    assert resolve_generator_name("auto", (3, 8, 8)) == "resnet"
    assert resolve_generator_name("unet", (3, 8, 8)) == "unet"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "foo", "in_shape": (3,), "out_shape": (3,)}, "'foo'"),
        ({"name": "mlp", "in_shape": (1, 8, 8), "out_shape": (1, 8, 8)}, "[Ff]latten"),
        ({"name": "resnet", "in_shape": (1, 8, 8), "out_shape": (1, 16, 16)}, "out_shape"),
        ({"name": "unet", "in_shape": (8,), "out_shape": (1, 8, 8)}, "in_shape"),
        ({"name": "dcgan", "in_shape": (1, 8, 8), "out_shape": (1, 8, 8)}, "latent_dim"),
        ({"name": "resnet", "in_shape": (1, 8, 8), "out_shape": (1, 8, 8), "residual": True}, "residual"),
    ],
)
def test_build_generator_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_generator(**kwargs)


def test_unknown_generator_message():
    with pytest.raises(ValueError, match=r"Unknown generator 'foo'; expected one of \['auto', 'dcgan'"):
        resolve_generator_name("foo", (3,))


# ------------------------------------------------------------ discriminators
@pytest.mark.parametrize("kind", ["patch", "dcgan"])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("c", [1, 3])
def test_image_discriminator_shapes(kind, size, c):
    d = _make_discriminator(kind, c, size)
    x = _images(c, size)
    out = d(x)
    if kind == "patch":
        assert out.dim() == 4 and out.shape[:2] == (2, 1) and min(out.shape[2:]) >= 1
    else:
        assert out.shape == (2, 1)
    feats = d.features(x)
    assert feats.dim() == 2 and feats.shape[0] == 2 and feats.shape[1] > 0
    _check_blocks(d)


def test_patch_discriminator_reference_sizes():
    d = PatchDiscriminator(3, (256, 256), n_filters=NF)
    assert d.n_down == 3
    assert PatchDiscriminator(3, (8, 8), n_filters=NF)(_images(3, (8, 8))).shape == (2, 1, 2, 2)
    x = _images(3, (64, 64))
    assert PatchDiscriminator(3, (64, 64), n_filters=NF, n_layers=2)(x).shape == (2, 1, 14, 14)


def test_mlp_discriminator():
    d = MLPDiscriminator(5, n_filters=8, n_layers=2)
    x = torch.randn(3, 5)
    assert d(x).shape == (3, 1)
    assert d.features(x).shape == (3, 8)
    _check_blocks(d)


@pytest.mark.parametrize("size, n_down, last", [((8, 8), 1, 4), ((16, 16), 2, 4), ((28, 28), 3, 3),
                                                ((32, 32), 3, 4), ((64, 64), 4, 4), ((12, 20), 2, 3)])
def test_dcgan_discriminator_downsamples_to_a_3x3_or_larger_map(size, n_down, last):
    d = DCGANDiscriminator(1, size, n_filters=NF)
    assert len(d.blocks) == n_down + 1  # the stride-2 blocks, then the linear head
    h = d.blocks[:-1](_images(1, size))
    assert min(h.shape[-2:]) == last


def test_features_feed_the_last_block():
    d = DCGANDiscriminator(1, (16, 16), n_filters=NF)
    x = _images(1, (16, 16))
    assert torch.allclose(d.blocks[-1][-1](d.features(x)), d(x))


@pytest.mark.parametrize("name, shape", [("mlp", (6,)), ("patch", (3, 16, 16)), ("dcgan", (1, 28, 28))])
def test_spectral_norm_applies(name, shape):
    torch.manual_seed(0)  # the initial weights (and so their norms) come from torch's global RNG
    d = build_discriminator(name, in_shape=shape, n_filters=NF, spectral_norm=True)
    layers = [m for m in d.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    assert layers and all(parametrize.is_parametrized(m, "weight") for m in layers)
    assert not any(isinstance(m, nn.InstanceNorm2d) for m in d.modules())
    assert d(torch.randn(2, *shape)).shape[:2] == (2, 1)
    # the power iteration runs in training forward passes: then every layer's weight, as
    # the network uses it, has largest singular value 1, whatever the stored weight's
    for m in layers:
        with torch.no_grad():
            m.parametrizations.weight.original.mul_(10.0)
    d.train()
    for _ in range(30):
        d(torch.randn(2, *shape))
    for m in layers:
        sigma = torch.linalg.matrix_norm(m.weight.detach().flatten(1), ord=2)
        original = torch.linalg.matrix_norm(
            m.parametrizations.weight.original.detach().flatten(1), ord=2)
        assert abs(sigma - 1) < 0.05 and original > 2, (m, sigma, original)
    plain = build_discriminator(name, in_shape=shape, n_filters=NF)
    assert not any(parametrize.is_parametrized(m) for m in plain.modules())


def test_build_discriminator():
    assert isinstance(build_discriminator("auto", in_shape=(4,)), MLPDiscriminator)
    assert isinstance(build_discriminator("auto", in_shape=(1, 8, 8)), PatchDiscriminator)
    assert isinstance(build_discriminator("dcgan", in_shape=(1, 8, 8)), DCGANDiscriminator)
    assert set(DISCRIMINATORS) == {"mlp", "patch", "dcgan"}
    with pytest.raises(ValueError, match="'foo'"):
        build_discriminator("foo", in_shape=(4,))
    with pytest.raises(ValueError, match="in_shape"):
        build_discriminator("mlp", in_shape=(1, 8, 8))
    with pytest.raises(ValueError, match="in_shape"):
        build_discriminator("patch", in_shape=(8,))


# -------------------------------------------------------------------- losses
@pytest.mark.parametrize("mode", LOSSES)
def test_discriminator_loss_rewards_separation(mode):
    loss = GANLoss(mode)
    high, low = torch.full((4, 1, 3, 3), 2.0), torch.full((4, 1, 3, 3), -2.0)
    if mode == "lsgan":
        high, low = torch.ones(4, 1), torch.zeros(4, 1)
    good = loss.discriminator_loss(high, low)
    bad = loss.discriminator_loss(low, high)
    assert good.dim() == 0 and good < bad


@pytest.mark.parametrize("mode", LOSSES)
def test_generator_loss_decreases_towards_real(mode):
    loss = GANLoss(mode)
    values = [loss.generator_loss(torch.full((4, 1), v)) for v in (-1.0, 0.0, 0.5, 1.0)]
    assert all(a > b for a, b in zip(values, values[1:]))


def test_loss_values():
    real, fake = torch.tensor([[1.0], [0.0]]), torch.tensor([[0.0], [1.0]])
    assert torch.isclose(GANLoss("lsgan").discriminator_loss(real, fake), torch.tensor(0.5))
    bce = nn.functional.binary_cross_entropy_with_logits
    expected = 0.5 * (bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake)))
    assert torch.isclose(GANLoss("vanilla").discriminator_loss(real, fake), expected)
    assert torch.isclose(GANLoss("vanilla").generator_loss(fake), bce(fake, torch.ones_like(fake)))
    assert torch.isclose(GANLoss("hinge").discriminator_loss(real, fake), torch.tensor(2.0))
    assert torch.isclose(GANLoss("wgan-gp").discriminator_loss(real, fake), torch.tensor(0.0))
    assert torch.isclose(GANLoss("wgan-gp").generator_loss(fake), torch.tensor(-0.5))


def test_loss_labels_are_buffers():
    loss = GANLoss("lsgan", real_label=0.9)
    assert {"real_label", "fake_label"} <= dict(loss.named_buffers()).keys()
    assert torch.isclose(loss.generator_loss(torch.full((2, 1), 0.9)), torch.tensor(0.0))
    with pytest.raises(ValueError, match="loss 'foo'"):
        GANLoss("foo")


# --------------------------------------------------------- gradient penalties
def _linear_critic(w):
    d = nn.Linear(len(w), 1)
    with torch.no_grad():
        d.weight.copy_(w[None])
    return d


def test_wgan_gp_is_zero_for_unit_norm_linear_critic():
    w = torch.randn(5)
    d = _linear_critic(w / w.norm())
    real, fake = torch.randn(8, 5), torch.randn(8, 5)
    gp = gradient_penalty(d, real, fake, generator=torch.Generator().manual_seed(0))
    assert gp.abs() < 1e-10
    d2 = _linear_critic(2 * w / w.norm())
    assert torch.isclose(gradient_penalty(d2, real, fake), torch.tensor(1.0))


def test_r1_closed_form_and_differentiable():
    w = torch.randn(5)
    d = _linear_critic(w)
    gp = gradient_penalty(d, torch.randn(8, 5), kind="r1")
    assert torch.isclose(gp, 0.5 * w.pow(2).sum())
    gp.backward()
    assert torch.allclose(d.weight.grad, w[None])


def test_penalties_on_patch_outputs():
    conv = nn.Conv2d(3, 1, 1)
    real = _images(3, (4, 5), n=3)
    r1 = gradient_penalty(conv, real, kind="r1")
    assert torch.isclose(r1, 0.5 * 4 * 5 * conv.weight.pow(2).sum())
    d = PatchDiscriminator(3, (16, 16), n_filters=NF)
    gp = gradient_penalty(d, _images(3, (16, 16)), _images(3, (16, 16), seed=1), generator=torch.Generator())
    gp.backward()
    assert gp.dim() == 0 and all(p.grad is not None for p in d.parameters() if p.dim() > 1)


def test_wgan_gp_uses_given_generator_only():
    d = MLPDiscriminator(4, n_filters=8)
    real, fake = torch.randn(6, 4), torch.randn(6, 4)
    state = torch.get_rng_state()
    a = gradient_penalty(d, real, fake, generator=torch.Generator().manual_seed(3))
    b = gradient_penalty(d, real, fake, generator=torch.Generator().manual_seed(3))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a, b)


def test_gradient_penalty_errors():
    d = nn.Linear(3, 1)
    with pytest.raises(ValueError, match="'foo'"):
        gradient_penalty(d, torch.randn(2, 3), torch.randn(2, 3), kind="foo")
    with pytest.raises(ValueError, match="fake"):
        gradient_penalty(d, torch.randn(2, 3))



def test_structure_loss_ignores_intensity_maps_and_sees_layout():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(16, 1, 8, 8, generator=g) * 2 - 1
    # any per-channel affine map of the grey level keeps the layout: inverted, tinted
    mapped = torch.cat([-x, 0.4 * x - 0.3, -0.2 * x + 0.7], dim=1)
    assert float(structure_loss(mapped, x)) < 1e-3
    # the source's own channels count through their mean (colour source, grey output)
    colour = torch.cat([x, x, x], dim=1)
    assert float(structure_loss(-x, colour)) < 1e-3
    # other images' layouts: independent noise, r^2 about 1/64 per pixel count
    assert float(structure_loss(x.roll(1, dims=0), x)) > 0.8
    # a half-kept layout lands between: r^2 = 1/2 for x + noise of equal variance
    half = x + (torch.rand(16, 1, 8, 8, generator=g) * 2 - 1)
    assert 0.3 < float(structure_loss(half, x)) < 0.7


def test_structure_loss_is_finite_on_constant_images_and_differentiable():
    out = torch.zeros(2, 3, 8, 8, requires_grad=True)
    loss = structure_loss(out, torch.ones(2, 1, 8, 8))
    assert loss.item() == pytest.approx(1.0)
    loss.backward()
    assert torch.isfinite(out.grad).all()
    with pytest.raises(ValueError, match=r"\(N, C, H, W\) images"):
        structure_loss(torch.zeros(2, 4), torch.zeros(2, 4))


# ---------------------------------------------------------------------- init
def _params(net):
    return [t.detach().clone() for t in net.state_dict().values()]


@pytest.mark.parametrize("scheme", ["normal", "default"])
def test_init_reproducible_and_leaves_global_rng(scheme):
    def make():
        with torch.random.fork_rng():
            torch.manual_seed(123)  # same construction, so only init_weights can differ
            return PatchDiscriminator(3, (16, 16), n_filters=NF, spectral_norm=True)

    nets = [make(), make(), make()]
    state = torch.get_rng_state()
    for net, seed in zip(nets, [0, 0, 1]):
        init_weights(net, scheme=scheme, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(torch.get_rng_state(), state)
    a, b, c = map(_params, nets)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not all(torch.equal(x, y) for x, y in zip(a, c))


def test_init_resets_spectral_norm_vectors():
    nets = []
    for seed in (1, 2):
        with torch.random.fork_rng():
            torch.manual_seed(seed)  # different power-iteration vectors on construction
            net = DCGANDiscriminator(1, (8, 8), n_filters=NF, spectral_norm=True)
        nets.append(init_weights(net, generator=torch.Generator().manual_seed(0)))
    a, b = map(_params, nets)
    assert all(torch.equal(x, y) for x, y in zip(a, b))


def test_init_normal_statistics():
    net = nn.Sequential(nn.Linear(100, 200), nn.BatchNorm2d(500), nn.ConvTranspose2d(50, 50, 4))
    with torch.no_grad():
        net[1].bias.fill_(1.0)  # the others' biases start non-zero already
    init_weights(net, gain=0.02, generator=torch.Generator().manual_seed(0))
    assert abs(net[0].weight.std().item() - 0.02) < 0.002
    assert abs(net[1].weight.mean().item() - 1.0) < 0.005
    assert not net[0].bias.any() and not net[1].bias.any() and not net[2].bias.any()


def test_init_normal_reaches_spectral_norm_original():
    d = MLPDiscriminator(50, n_filters=100, n_layers=1, spectral_norm=True)
    init_weights(d, gain=0.5, generator=torch.Generator().manual_seed(0))
    original = d.blocks[0][0].parametrizations.weight.original
    assert abs(original.std().item() - 0.5) < 0.05


def test_init_default_matches_pytorch_bounds():
    net = nn.Conv2d(4, 6, 3)
    with torch.no_grad():
        net.weight.fill_(10.0)
        net.bias.fill_(10.0)
    init_weights(net, scheme="default", generator=torch.Generator().manual_seed(0))
    bound = 1 / (4 * 9) ** 0.5
    assert net.weight.abs().max() <= bound and net.bias.abs().max() <= bound
    assert net.weight.abs().max() > 0.9 * bound  # uniform over the whole range
    assert len(net.weight.unique()) == net.weight.numel()
    bn = nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.fill_(5.0)
        bn.bias.fill_(3.0)
    init_weights(bn, scheme="default")
    assert torch.equal(bn.weight, torch.ones(3)) and torch.equal(bn.bias, torch.zeros(3))


def test_init_unknown_scheme():
    with pytest.raises(ValueError, match="'foo'"):
        init_weights(nn.Linear(2, 2), scheme="foo")


@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 28, 28), (1, 25, 25), (6,)])
def test_task_classifiers_give_one_logit_per_class(shape):
    from skgan.nn import build_classifier

    clf = build_classifier(in_shape=shape, n_classes=7, n_filters=4)
    x = torch.randn(3, *shape)
    out = clf(x)
    assert out.shape == (3, 7)
    out.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in clf.parameters())
    with pytest.raises(ValueError, match="in_shape must be"):
        build_classifier(in_shape=(2, 3), n_classes=2)


# ------------------------------------------- projection, freezing, weights
from skgan.nn import (  # noqa: E402
    BackboneDiscriminator,
    ProjectionDiscriminator,
    backbone_blocks,
    frozen_modules,
    load_backbone,
    load_weights,
    matches_prefix,
    read_state_dict,
    resolve_freeze,
)


@pytest.mark.parametrize("kind, shape", [("dcgan", (1, 16, 16)), ("patch", (3, 16, 16)), ("mlp", (5,))])
def test_projection_discriminator_starts_unconditional_and_conditions_after(kind, shape):
    base = build_discriminator(kind, in_shape=shape, n_filters=NF)
    d = ProjectionDiscriminator(base, 3, shape)
    x = torch.randn(4, *shape)
    y = torch.tensor([0, 1, 2, 0])
    assert torch.equal(d(x, y), base(x))  # zero embedding at the start
    assert d.blocks is base.blocks and {n for n, _ in d.named_parameters()} >= {"embed.weight"}
    with torch.no_grad():
        d.embed.weight.normal_()
    out = d(x, y)
    assert out.shape == base(x).shape and not torch.equal(out, base(x))
    # D(x, y) = head(phi(x)) + <embed(y), phi(x)>, the same shift over a patch map
    proj = (d.embed.weight[y] * d.features(x)).sum(1)
    expected = base(x) + proj.view(-1, *[1] * (base(x).dim() - 1))
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.equal(d(x), base(x))  # without labels: unconditional
    logits, feats = d.forward_with_features(x, y)
    assert torch.equal(logits, out) and torch.equal(feats, d.features(x))


def test_forward_with_features_matches_separate_calls():
    d = DCGANDiscriminator(1, (16, 16), n_filters=NF)
    x = _images(1, (16, 16))
    logits, feats = d.forward_with_features(x)
    assert torch.equal(logits, d(x)) and torch.equal(feats, d.features(x))


def test_prefix_matching_stops_at_dots():
    assert matches_prefix("blocks.1.0.weight", ["blocks.1"])
    assert not matches_prefix("blocks.10.weight", ["blocks.1"])
    assert matches_prefix("blocks.10.weight", ["blocks.1"][:0] + ["blocks."])
    assert matches_prefix("blocks.1", ["blocks.1"])


def test_resolve_freeze_validates_blocks_and_names():
    g = DCGANGenerator(8, (1, 16, 16), n_filters=NF)
    assert resolve_freeze(g, 2) == ["blocks.0", "blocks.1"]
    assert resolve_freeze(g, 0) == [] and resolve_freeze(g, None) == []
    assert resolve_freeze(g, ["blocks.0.1.weight"]) == ["blocks.0.1.weight"]
    with pytest.raises(ValueError, match="DCGANGenerator has 3 blocks"):
        resolve_freeze(g, 4)
    with pytest.raises(ValueError, match="no parameter named 'blocks.7'"):
        resolve_freeze(g, ["blocks.7"])
    with pytest.raises(ValueError, match="needs a network with a `blocks` container"):
        resolve_freeze(nn.Linear(2, 2), 1)
    with pytest.raises(ValueError, match="an int .* or a list of parameter-name prefixes"):
        resolve_freeze(g, "blocks.0")


def test_frozen_modules_are_those_holding_frozen_buffers():
    g = DCGANGenerator(8, (1, 16, 16), n_filters=NF)
    mods = frozen_modules(g, ["blocks.0", "blocks.1"])
    assert mods == [g.blocks[0][3], g.blocks[1][1]]  # their batch norms
    d = DCGANDiscriminator(1, (16, 16), n_filters=NF, spectral_norm=True)
    sn = frozen_modules(d, ["blocks.0"])
    assert len(sn) == 1 and type(sn[0]).__name__ == "_SpectralNorm"
    assert frozen_modules(g, []) == []


def test_load_weights_names_the_first_mismatch():
    src = MLPDiscriminator(4, n_filters=8).state_dict()
    net = MLPDiscriminator(4, n_filters=8)
    assert load_weights(net, src, name="discriminator") is net
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in src.items())
    with pytest.raises(ValueError, match=r"first mismatched layer 'blocks\.0\.0' .*shape \(8, 4\) "
                                         r"in the weights but the network expects \(16, 4\)"):
        load_weights(MLPDiscriminator(4, n_filters=16), src, name="discriminator")
    with pytest.raises(ValueError, match=r"'blocks\.2\.0' \(entry 'blocks\.2\.0\.weight'\) missing"):
        load_weights(MLPDiscriminator(4, n_filters=8, n_layers=3),
                     MLPDiscriminator(4, n_filters=8, n_layers=2).state_dict())
    with pytest.raises(ValueError, match="is in the weights but not in the network"):
        load_weights(nn.Linear(2, 1), {**nn.Linear(2, 1).state_dict(), "extra": torch.zeros(1)})


def test_backbone_blocks_of_torchvision_families_and_sequentials():
    resnet = load_backbone("resnet18")
    blocks = backbone_blocks(resnet)
    assert len(blocks) == 5 and nn.Sequential(*blocks)(torch.zeros(2, 3, 32, 32)).shape == (2, 512)
    mobile = backbone_blocks(load_backbone("mobilenet_v3_small"))
    assert nn.Sequential(*mobile).eval()(torch.zeros(2, 3, 32, 32)).shape == (2, 576)
    seq = backbone_blocks(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()))
    assert nn.Sequential(*seq)(torch.zeros(2, 3, 8, 8)).shape == (2, 4)
    with pytest.raises(TypeError, match="Cannot split Linear into blocks"):
        backbone_blocks(nn.Linear(2, 2))


def test_backbone_discriminator_reads_grey_images_and_local_weights(tmp_path):
    net = load_backbone("resnet18")
    torch.save({"state_dict": net.state_dict()}, tmp_path / "ckpt.pt")  # checkpoint layout
    assert set(read_state_dict(tmp_path / "ckpt.pt")) == set(net.state_dict())
    d = BackboneDiscriminator("resnet18", (1, 28, 28), weights=tmp_path / "ckpt.pt")
    assert torch.equal(d.blocks[0][1][0].weight, net.conv1.weight)
    x = torch.rand(3, 1, 28, 28) * 2 - 1
    assert d(x).shape == (3, 1) and d.features(x).shape == (3, 512)
    assert len(d.blocks) == 6  # stem, 4 stages, head
    with pytest.raises(ValueError, match="reads 3-channel images but the data have 2"):
        BackboneDiscriminator("resnet18", (2, 28, 28))
    with pytest.raises(ValueError, match="judges images"):
        BackboneDiscriminator("resnet18", (10,))
    torch.save({"weights": [1, 2]}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="does not hold a state dict"):
        read_state_dict(tmp_path / "bad.pt")
