"""Torch modules for skgan: generators, discriminators, losses and initialisation.

Torch only: nothing here knows about scikit-learn. Tabular samples are float
tensors ``(N, F)`` (standardised); images are ``(N, C, H, W)`` in [-1, 1].
Shapes passed to the factories are per sample: ``(F,)`` or ``(C, H, W)``.
"""

from .augment import AUGMENT_POLICIES, diff_augment, parse_augment
from .backbones import (
    BackboneDiscriminator,
    BackboneFeatures,
    backbone_blocks,
    load_backbone,
    read_state_dict,
)
from .classifiers import ConvClassifier, MLPClassifier, build_classifier
from .discriminators import (
    DISCRIMINATORS,
    DCGANDiscriminator,
    MLPDiscriminator,
    PatchDiscriminator,
    ProjectionDiscriminator,
    build_discriminator,
)
from .freezing import frozen_modules, load_weights, matches_prefix, resolve_freeze
from .generators import (
    GENERATORS,
    DCGANGenerator,
    MLPGenerator,
    ResnetGenerator,
    UnetGenerator,
    build_generator,
    resolve_generator_name,
)
from .init import init_weights
from .losses import LOSSES, GANLoss, gradient_penalty, structure_loss

__all__ = [
    "AUGMENT_POLICIES",
    "diff_augment",
    "parse_augment",
    "BackboneDiscriminator",
    "BackboneFeatures",
    "DISCRIMINATORS",
    "GENERATORS",
    "LOSSES",
    "ConvClassifier",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "GANLoss",
    "MLPClassifier",
    "MLPDiscriminator",
    "MLPGenerator",
    "PatchDiscriminator",
    "ProjectionDiscriminator",
    "ResnetGenerator",
    "UnetGenerator",
    "backbone_blocks",
    "build_classifier",
    "build_discriminator",
    "build_generator",
    "gradient_penalty",
    "frozen_modules",
    "init_weights",
    "load_backbone",
    "load_weights",
    "matches_prefix",
    "read_state_dict",
    "resolve_freeze",
    "resolve_generator_name",
    "structure_loss",
]
