"""Shared fixtures: a tiny, randomly initialised pipeline of the course's architecture.

Unit tests never depend on the shipped weights in ``data/base``: they build the same
``StableDiffusionPipeline`` from scratch (seeded, a few seconds once per session) and give each
test its own copy, so a test that loads a LoRA cannot leak it into another.
"""
from __future__ import annotations

import copy

import pytest


@pytest.fixture(scope="session")
def tiny_pipe_session():
    """The session's random tiny pipeline (do not modify it: use ``tiny_pipe``)."""
    import torch

    from lora_course.sd import base_model, tokenizer

    torch.manual_seed(0)
    tok = tokenizer.build_tokenizer()
    vae, unet, te = base_model.build_models(tok, seed=0)
    pipe = base_model.assemble_pipeline(vae.eval(), unet.eval(), te.eval(), tok)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture
def tiny_pipe(tiny_pipe_session):
    """A fresh copy of the random tiny pipeline for one test."""
    return copy.deepcopy(tiny_pipe_session)
