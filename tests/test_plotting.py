"""skgan.plotting: rendered files, grid geometry, value ranges, layouts and errors."""

import math
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from skgan import CycleGANTranslator, GANDomainAdapter  # noqa: E402
from skgan.datasets import load_digits_domains  # noqa: E402
from skgan.plotting import plot_history, plot_images, plot_translation  # noqa: E402

TINY = dict(max_epochs=1, batch_size=16, n_filters=4, n_blocks=1, random_state=0)
PAD = 2  # make_grid padding used by skgan.plotting
FIGSIZE, DPI = (4.0, 3.0), 50


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def digits():
    d = load_digits_domains(random_state=0)  # grey (n,1,8,8) -> colour (n,3,8,8), [0, 1]
    return d.X_source[:64], d.y_source[:64], d.X_target[:64]


@pytest.fixture(scope="module")
def cyclegan(digits):
    X, _, Xt = digits
    return CycleGANTranslator(lambda_id=0.0, **TINY).fit(X, X_target=Xt)


@pytest.fixture(scope="module")
def adapter(digits):
    X, y, Xt = digits
    return GANDomainAdapter(**TINY).fit(X, y, X_target=Xt)


def new_axes():
    fig = plt.figure(figsize=FIGSIZE)
    return fig.add_subplot()


def render(ax, tmp_path, name="plot.png"):
    """Save ax's figure; check the PNG is non-empty, of figsize*dpi pixels, not blank."""
    path = tmp_path / name
    ax.figure.savefig(path, dpi=DPI)
    assert path.stat().st_size > 0
    png = mpimg.imread(path)
    width, height = FIGSIZE
    assert png.shape == (round(height * DPI), round(width * DPI), 4)
    assert png[..., :3].std() > 0.01  # something was drawn
    return png


def grid_of(ax):
    assert len(ax.images) == 1
    return np.asarray(ax.images[0].get_array())


def grid_shape(n, nrow, h, w):
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    return (rows * (h + PAD) + PAD, cols * (w + PAD) + PAD, 3)


def tile(grid, r, c, h, w):
    top, left = PAD + r * (h + PAD), PAD + c * (w + PAD)
    return grid[top : top + h, left : left + w]


def random_images(shape, seed=0):
    return np.random.RandomState(seed).rand(*shape)


# ----------------------------------------------------------------- plot_images
def test_plot_images_renders_png_of_expected_size(tmp_path):
    ax = plot_images(random_images((20, 3, 8, 8)), ax=new_axes(), title="random")
    render(ax, tmp_path)
    assert ax.get_title() == "random"


def test_plot_images_creates_its_own_figure_when_no_ax():
    ax = plot_images(random_images((4, 8, 8)))
    assert ax.figure in [plt.figure(n) for n in plt.get_fignums()]


@pytest.mark.parametrize(
    "n, n_images, nrow, expected_tiles",
    [
        (100, 64, 8, (8, 8)),  # n_images caps the grid
        (10, 64, 4, (3, 4)),  # last row partly filled
        (3, 64, 8, (1, 3)),  # fewer images than a row
        (20, 12, 6, (2, 6)),
        (5, 1, 8, (1, 1)),
    ],
)
def test_plot_images_grid_geometry(n, n_images, nrow, expected_tiles):
    h, w = 6, 9  # not square, so rows and columns cannot be confused
    ax = plot_images(random_images((n, 3, h, w)), n_images=n_images, nrow=nrow)
    rows, cols = expected_tiles
    assert grid_of(ax).shape == (rows * (h + PAD) + PAD, cols * (w + PAD) + PAD, 3)
    assert grid_of(ax).shape == grid_shape(min(n, n_images), nrow, h, w)


def test_plot_images_tiles_are_the_first_images_in_order():
    X = random_images((10, 3, 5, 7))
    grid = grid_of(plot_images(X, nrow=4))
    for i in range(10):
        r, c = divmod(i, 4)
        np.testing.assert_allclose(tile(grid, r, c, 5, 7), X[i].transpose(1, 2, 0), atol=1e-6)
    assert np.all(tile(grid, 2, 3, 5, 7) == 1.0)  # the unused last tile is white like the padding
    assert np.all(grid[0, :] == 1.0)  # white padding


def test_plot_images_all_layouts_show_the_same_grid():
    grey = random_images((12, 1, 8, 8))
    grids = [
        grid_of(plot_images(grey, nrow=5)),
        grid_of(plot_images(grey[:, 0], nrow=5)),  # (n, H, W)
        grid_of(plot_images(grey.reshape(12, -1), image_shape=(1, 8, 8), nrow=5)),
        grid_of(plot_images(torch.from_numpy(grey), nrow=5)),  # torch tensor
    ]
    for grid in grids[1:]:
        np.testing.assert_array_equal(grid, grids[0])
    # grey images are shown as RGB with equal channels
    assert grids[0].shape == grid_shape(12, 5, 8, 8)
    np.testing.assert_array_equal(grids[0][..., 0], grids[0][..., 2])


def test_plot_images_flat_colour_images_use_image_shape():
    X = random_images((6, 3, 4, 5))
    grid = grid_of(plot_images(X.reshape(6, -1), image_shape=(3, 4, 5), nrow=3))
    np.testing.assert_allclose(tile(grid, 1, 2, 4, 5), X[5].transpose(1, 2, 0), atol=1e-6)


def test_plot_images_uint8_is_read_as_0_to_255():
    X = np.zeros((2, 1, 4, 4), dtype=np.uint8)
    X[0, 0, 0, 0], X[1] = 100, 50  # a dark batch stays dark: no stretching to its max
    grid = grid_of(plot_images(X))
    np.testing.assert_allclose(tile(grid, 0, 0, 4, 4)[0, 0], 100 / 255, atol=1e-6)
    assert tile(grid, 0, 0, 4, 4)[1:, 1:].max() == 0.0
    np.testing.assert_allclose(tile(grid, 0, 1, 4, 4), 50 / 255, atol=1e-6)
    assert grid_of(plot_images(np.full((1, 1, 2, 2), 255, np.uint8))).min() == 1.0
    # the same images as floats in [0, 1] look the same
    np.testing.assert_allclose(grid_of(plot_images(X / 255.0)), grid, atol=1e-6)


def test_plot_images_floats_in_unit_range_are_unchanged_dim_images_stay_dim():
    X = np.full((1, 1, 3, 3), 0.2)
    X[0, 0, 1, 1] = 0.4
    t = tile(grid_of(plot_images(X)), 0, 0, 3, 3)
    np.testing.assert_allclose(t[..., 0], X[0, 0], atol=1e-6)


@pytest.mark.parametrize("lo, hi", [(-1.0, 1.0), (0.0, 255.0), (-3.5, 0.5)])
def test_plot_images_other_float_ranges_are_rescaled_to_unit(lo, hi):
    X01 = random_images((4, 3, 5, 5))
    X01[0, 0, 0, 0], X01[0, 0, 0, 1] = 0.0, 1.0  # the range is reached
    grid = grid_of(plot_images(lo + (hi - lo) * X01))
    np.testing.assert_allclose(grid, grid_of(plot_images(X01)), atol=1e-6)
    assert grid.min() == 0.0 and grid.max() == 1.0


@pytest.mark.parametrize("value, shown", [(7.0, 1.0), (-2.0, 0.0), (0.3, 0.3)])
def test_plot_images_constant_images_do_not_divide_by_zero(value, shown):
    # no range to stretch: values are clipped into [0, 1], every tile one flat colour
    grid = grid_of(plot_images(np.full((3, 1, 4, 4), value)))
    for c in range(3):
        np.testing.assert_allclose(tile(grid, 0, c, 4, 4), shown, atol=1e-6)


@pytest.mark.parametrize(
    "X, kwargs, match",
    [
        (np.zeros((10, 5)), {}, "tabular data cannot be shown as images"),
        (np.zeros((10, 64)), {"image_shape": (1, 8, 9)}, "implies 72 features"),
        (np.zeros((10, 64)), {"image_shape": (8, 8)}, r"image_shape must be a tuple \(C, H, W\)"),
        (np.zeros((10, 1, 8, 8)), {"image_shape": (3, 8, 8)}, "does not match X"),
        (np.zeros((10, 2, 8, 8)), {}, "2 channels"),
        (np.zeros((10, 4, 8, 8)), {}, "4 channels"),
        (np.zeros((2, 1, 1, 4, 4)), {}, "5-D"),
        (np.zeros((4, 1, 8, 8)), {"n_images": 0}, "n_images must be a positive int"),
        (np.zeros((4, 1, 8, 8)), {"nrow": 0}, "nrow must be a positive int"),
        (np.zeros((4, 1, 8, 8)), {"nrow": 2.5}, "nrow must be a positive int"),
        (np.full((4, 1, 8, 8), np.nan), {}, "NaN"),
    ],
)
def test_plot_images_errors(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_images(X, **kwargs)


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install skgan\[plot\]"):
        plot_images(random_images((2, 1, 4, 4)))
    with pytest.raises(ImportError, match=r"pip install skgan\[plot\]"):
        plot_history(CycleGANTranslator())


# ---------------------------------------------------------------- plot_history
def test_plot_history_draws_every_loss_per_epoch(tmp_path, digits):
    X, _, Xt = digits
    tr = CycleGANTranslator(**{**TINY, "max_epochs": 2}).fit(X, X_target=1.0 - X)
    ax = plot_history(tr, ax=new_axes())
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["g_loss", "d_loss", "g_adv", "cycle", "identity", "d_adv"]
    for key, line in lines.items():
        assert line.get_xdata().tolist() == [1, 2]
        np.testing.assert_allclose(line.get_ydata(), tr.history_[:, key])
    assert lines["g_loss"].get_linestyle() == "-" and lines["cycle"].get_linestyle() == "--"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(lines)
    render(ax, tmp_path)


def test_plot_history_shows_only_terms_present(adapter, cyclegan):
    labels = [line.get_label() for line in plot_history(adapter).get_lines()]
    # no cycle, no identity (images); self-training and the content term by default
    assert labels == ["g_loss", "d_loss", "g_adv", "task", "pseudo", "content", "d_adv"]
    labels = [line.get_label() for line in plot_history(cyclegan).get_lines()]
    assert labels == ["g_loss", "d_loss", "g_adv", "cycle", "d_adv"]  # lambda_id=0


def test_plot_history_keys_and_given_ax(cyclegan):
    ax = new_axes()
    assert plot_history(cyclegan, keys=["cycle", "lr"], ax=ax) is ax
    assert [line.get_label() for line in ax.get_lines()] == ["cycle", "lr"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), cyclegan.history_[:, "lr"])
    assert [line.get_label() for line in plot_history(cyclegan, keys="d_loss").get_lines()] == [
        "d_loss"
    ]


def test_plot_history_errors(cyclegan):
    with pytest.raises(NotFittedError):
        plot_history(CycleGANTranslator())
    with pytest.raises(NotFittedError):
        plot_history(GANDomainAdapter())
    with pytest.raises(ValueError, match=r"keys \['fid'\] are not in the estimator's history_"):
        plot_history(cyclegan, keys=["g_loss", "fid"])


# ------------------------------------------------------------ plot_translation
def test_plot_translation_cyclegan_rows_grey_to_colour(tmp_path, cyclegan, digits):
    X = digits[0]
    ax = plot_translation(cyclegan, X, n_images=5, ax=new_axes())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["source", "translated", "reconstructed"]
    grid = grid_of(ax)
    assert grid.shape == grid_shape(15, 5, 8, 8)  # 3 rows of 5
    translated = cyclegan.transform(X[:5])
    reconstructed = cyclegan.inverse_transform(translated)
    for c in range(5):
        # domains are float images in [0, 1], shown as they are; grey rows as RGB
        grey = np.repeat(X[c], 3, axis=0).transpose(1, 2, 0)
        np.testing.assert_allclose(tile(grid, 0, c, 8, 8), grey, atol=1e-6)
        np.testing.assert_allclose(
            tile(grid, 1, c, 8, 8), translated[c].transpose(1, 2, 0), atol=1e-6
        )
        rec = np.repeat(reconstructed[c], 3, axis=0).transpose(1, 2, 0)
        np.testing.assert_allclose(tile(grid, 2, c, 8, 8), rec, atol=1e-6)
    # the row labels sit at the row centres
    np.testing.assert_allclose(ax.get_yticks(), [PAD + r * (8 + PAD) + 3.5 for r in range(3)])
    render(ax, tmp_path)


def test_plot_translation_domain_adapter_has_no_reconstruction(tmp_path, adapter, digits):
    X = digits[0]
    ax = plot_translation(adapter, X, ax=new_axes())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["source", "translated"]
    grid = grid_of(ax)
    assert grid.shape == grid_shape(16, 8, 8, 8)  # default n_images=8, 2 rows
    rendered = adapter.transform(X[:8], sample_domain="source")
    for c in range(8):
        np.testing.assert_allclose(tile(grid, 0, c, 8, 8),
                                   np.repeat(X[c], 3, axis=0).transpose(1, 2, 0), atol=1e-6)
        np.testing.assert_allclose(tile(grid, 1, c, 8, 8), rendered[c].transpose(1, 2, 0),
                                   atol=1e-6)
    render(ax, tmp_path)


def test_plot_translation_same_shape_adapter_renders_the_source(digits):
    X, y, _ = digits
    adapter = GANDomainAdapter(**TINY).fit(X, y, X_target=1.0 - X[::-1])  # grey -> inverted grey
    grid = grid_of(plot_translation(adapter, X, n_images=4))
    rendered = adapter.transform(X[:4], sample_domain="source")
    assert np.abs(rendered - X[:4]).mean() > 0.05  # the generator does change them
    for c in range(4):
        np.testing.assert_allclose(tile(grid, 1, c, 8, 8)[..., 0], rendered[c, 0], atol=1e-6)


def test_plot_translation_flat_uint8_and_few_images():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 200, size=(40, 1, 6, 6)).astype(np.uint8)
    Xt = (255 - rng.randint(0, 200, size=(40, 1, 6, 6))).astype(np.uint8)
    tr = CycleGANTranslator(image_shape=(1, 6, 6), **TINY).fit(
        X.reshape(40, -1), X_target=Xt.reshape(40, -1)
    )
    ax = plot_translation(tr, X[:3].reshape(3, -1), n_images=8)  # only 3 images given
    grid = grid_of(ax)
    assert grid.shape == grid_shape(9, 3, 6, 6)
    np.testing.assert_allclose(tile(grid, 0, 2, 6, 6)[..., 0], X[2, 0] / 255.0, atol=1e-6)
    translated = tr.transform(X[:3].reshape(3, -1)).reshape(3, 6, 6)
    np.testing.assert_allclose(tile(grid, 1, 0, 6, 6)[..., 1], translated[0] / 255.0, atol=1e-6)


def test_plot_translation_errors(cyclegan, digits):
    with pytest.raises(NotFittedError):
        plot_translation(CycleGANTranslator(), digits[0])
    rng = np.random.RandomState(0)
    tab = CycleGANTranslator(**TINY).fit(rng.randn(32, 3), X_target=rng.randn(32, 3))
    with pytest.raises(ValueError, match="fitted on tabular data"):
        plot_translation(tab, rng.randn(4, 3))
    with pytest.raises(ValueError, match="n_images must be a positive int"):
        plot_translation(cyclegan, digits[0], n_images=0)
    with pytest.raises(ValueError, match="source-domain images"):
        plot_translation(cyclegan, digits[2])  # target-domain (colour) data
    with pytest.raises(ValueError, match=r"X samples have shape \(1, 4, 4\)"):
        plot_translation(cyclegan, np.zeros((3, 4, 4)))


def test_plot_translation_adapter_rejects_target_data(adapter, digits):
    # GANDomainAdapter.transform lets target-shaped data through; the plot refuses it
    with pytest.raises(ValueError, match=r"X samples have shape \(3, 8, 8\)"):
        plot_translation(adapter, digits[2])


def test_plot_history_of_loaded_estimator_is_an_error(cyclegan, tmp_path):
    cyclegan.save(tmp_path / "model.pt")
    loaded = CycleGANTranslator.load(tmp_path / "model.pt", device="cpu")
    with pytest.raises(ValueError, match="no losses to plot"):
        plot_history(loaded)
