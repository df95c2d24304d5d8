"""Data that stays where it is: memmaps and torch Datasets, read a batch at a time."""

import numpy as np
import pytest
import torch
from torch.utils.data import Dataset, IterableDataset, TensorDataset

from skgan import GAN, CycleGANTranslator, GANDomainAdapter
from skgan import _data
from skgan._data import DatasetArray, DomainSpec, check_input
from skgan.datasets import load_digits_domains

FAST = dict(generator="unet", n_filters=8, max_epochs=2, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def digits():
    d = load_digits_domains(target="restyled", random_state=0)
    grey = np.rint(d.X_source * 255).astype(np.uint8)
    colour = np.rint(d.X_target * 255).astype(np.uint8)
    return grey, d.y_source, colour


def memmap_of(X, folder, name):
    out = np.lib.format.open_memmap(folder / f"{name}.npy", mode="w+", dtype=X.dtype,
                                    shape=X.shape)
    out[:] = X
    out.flush()
    return np.load(folder / f"{name}.npy", mmap_mode="r")


@pytest.fixture
def largest_encode(monkeypatch):
    """Record the most rows DomainSpec.encode converts in one call."""
    seen = []
    original = DomainSpec.encode

    def encode(self, X):
        seen.append(len(X))
        return original(self, X)

    monkeypatch.setattr(DomainSpec, "encode", encode)
    return seen


def test_memmap_fit_equals_array_fit_and_encodes_a_batch_at_a_time(digits, tmp_path,
                                                                   largest_encode):
    grey, _, colour = digits
    A, B = memmap_of(grey, tmp_path, "a"), memmap_of(colour, tmp_path, "b")
    streamed = CycleGANTranslator(lambda_id=0.0, **FAST).fit(A, X_target=B)
    assert max(largest_encode) <= 32  # never the whole domain as float32
    assert streamed.X_fit_ is A or np.shares_memory(streamed.X_fit_, A)  # not copied
    in_memory = CycleGANTranslator(lambda_id=0.0, **FAST).fit(grey, X_target=colour)
    np.testing.assert_array_equal(streamed.transform(grey[:40]), in_memory.transform(grey[:40]))
    out = streamed.transform(A)
    assert out.dtype == np.uint8 and out.shape == (len(grey), *colour.shape[1:])


class Images(Dataset):
    """Items (image tensor, label), as torchvision datasets give them."""

    def __init__(self, X, y=None):
        self.X, self.y = torch.from_numpy(X), y
        self.reads = 0

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        self.reads += 1
        return self.X[i], 0 if self.y is None else int(self.y[i])


def test_dataset_inputs_train_as_the_arrays_would(digits):
    grey, y, colour = digits
    a, b = Images(grey, y), Images(colour)
    tr = CycleGANTranslator(lambda_id=0.0, **FAST).fit(a, X_target=b)
    ref = CycleGANTranslator(lambda_id=0.0, **FAST).fit(grey, X_target=colour)
    np.testing.assert_array_equal(tr.transform(a), ref.transform(grey))
    np.testing.assert_array_equal(tr.inverse_transform(b), ref.inverse_transform(colour))

    adapter = GANDomainAdapter(**FAST).fit(a, y, X_target=b)
    adapter_ref = GANDomainAdapter(**FAST).fit(grey, y, X_target=colour)
    np.testing.assert_array_equal(adapter.predict_task(b), adapter_ref.predict_task(colour))

    gan = GAN(n_filters=8, max_epochs=2, batch_size=32, random_state=0).fit(a)
    gan_ref = GAN(n_filters=8, max_epochs=2, batch_size=32, random_state=0).fit(grey)
    np.testing.assert_array_equal(gan.sample(8, random_state=0), gan_ref.sample(8, random_state=0))


def test_float_dataset_scaling_reads_a_bounded_sample(monkeypatch):
    monkeypatch.setattr(_data, "SCALING_SAMPLE", 50)
    X = np.random.RandomState(0).rand(400, 1, 4, 4).astype(np.float32)
    images = Images(X)
    spec = DomainSpec.fit(check_input(images), (1, 4, 4))
    assert images.reads <= 50 + 1  # the sample, and the first item when checking
    every = DomainSpec.fit(X, (1, 4, 4))
    assert abs(float(spec.offset) - float(every.offset)) < 0.05
    uint8 = Images(np.zeros((400, 1, 4, 4), np.uint8))
    DomainSpec.fit(check_input(uint8), (1, 4, 4))
    assert uint8.reads == 1  # 0..255 is declared: nothing read but the first item


def test_tabular_statistics_in_chunks_match_the_whole_array(monkeypatch):
    X = np.random.RandomState(0).randn(1000, 3) * [1.0, 10.0, 100.0] + 5.0
    whole = DomainSpec.fit(X, (3,))
    Z = whole.encode(X)
    decoded = whole.decode(Z, 2)
    monkeypatch.setattr(_data, "_CHUNK_ROWS", 64)
    chunked = DomainSpec.fit(X, (3,))
    np.testing.assert_allclose(chunked.offset, whole.offset, rtol=1e-12)
    np.testing.assert_allclose(chunked.scale, whole.scale, rtol=1e-12)
    np.testing.assert_array_equal(whole.decode(Z, 2), decoded)  # decoded in 16 chunks


def test_bad_datasets_are_refused_with_the_reason():
    class Ragged(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return torch.zeros(1, 4 + (i == 2), 4)

    class Stream(IterableDataset):
        def __iter__(self):
            yield torch.zeros(3)

    with pytest.raises(ValueError, match="item 2 has shape"):
        DatasetArray(Ragged())[:]
    with pytest.raises(ValueError, match="map-style"):
        check_input(Stream())
    with pytest.raises(ValueError, match="not numeric"):
        check_input(TensorDataset(torch.zeros(3, 2, dtype=torch.complex64)))
    tr = CycleGANTranslator(max_epochs=1)
    with pytest.raises(ValueError, match="item 2 has shape"):
        tr.fit(Ragged(), X_target=np.zeros((4, 1, 4, 4)))
    assert not hasattr(tr, "net_")


def test_iter_transform_equals_transform_and_reads_a_chunk_at_a_time(digits):
    from skgan import iter_transform

    grey, y, colour = digits
    tr = CycleGANTranslator(lambda_id=0.0, **FAST).fit(grey, X_target=colour)
    images = Images(grey)
    batches = iter_transform(tr, images, batch_size=256)
    chunks = [next(batches)]
    assert images.reads == 1 + 256  # the first item (checked), then the first chunk only
    chunks += list(batches)
    assert [len(c) for c in chunks] == [256, 256, 256, 130]
    np.testing.assert_array_equal(np.concatenate(chunks), tr.transform(grey))
    adapter = GANDomainAdapter(**FAST).fit(grey, y, X_target=colour)
    rendered = np.concatenate(list(iter_transform(adapter, grey, batch_size=512,
                                                  sample_domain="source")))
    np.testing.assert_array_equal(rendered, adapter.transform(grey, sample_domain="source"))
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        next(iter_transform(tr, grey, batch_size=0))


def test_adapter_renders_a_batch_at_a_time_with_the_same_noise(digits, largest_encode):
    grey, y, colour = digits
    adapter = GANDomainAdapter(noise_dim=2, **FAST).fit(grey, y, X_target=colour)
    before = adapter.transform(grey, sample_domain="source")
    largest_encode.clear()
    again = adapter.transform(grey, sample_domain="source")
    assert max(largest_encode) <= 256  # the inference batch, not the 898 rows
    np.testing.assert_array_equal(before, again)
    # rows rendered alone get the noise they get among the others (one draw per call)
    np.testing.assert_array_equal(adapter.transform(grey[:256], sample_domain="source"),
                                  before[:256])


def test_pil_image_items_are_read_channels_first(digits):
    from PIL import Image

    grey, _, colour = digits

    class Pictures(Dataset):
        def __init__(self, X):
            self.X = X

        def __len__(self):
            return len(self.X)

        def __getitem__(self, i):
            x = self.X[i]
            picture = x[0] if x.shape[0] == 1 else x.transpose(1, 2, 0)
            return Image.fromarray(np.ascontiguousarray(picture)), 0

    a, b = DatasetArray(Pictures(grey)), DatasetArray(Pictures(colour))
    assert a.shape == grey.shape and b.shape == colour.shape and a.dtype == np.uint8
    np.testing.assert_array_equal(b[:5], colour[:5])
    tr = CycleGANTranslator(lambda_id=0.0, **FAST).fit(Pictures(grey), X_target=Pictures(colour))
    ref = CycleGANTranslator(lambda_id=0.0, **FAST).fit(grey, X_target=colour)
    np.testing.assert_array_equal(tr.transform(grey[:32]), ref.transform(grey[:32]))
