"""What users reach for when a LoRA possesses (夺舍) words it should not: prior-preservation
("regularisation") pictures.

kohya's sd-scripts take a second folder of *regularisation* pictures (``--reg_data_dir``), and
DreamBooth adds a *prior-preservation* loss: pictures the base model itself draws for the class
word (here ``1girl``), captioned with that word only, are trained alongside the character. The
LoRA then has two things to learn at once: ``weiwei`` → her, and ``1girl`` → what ``1girl``
already meant. With kohya's default ``prior_loss_weight = 1`` and as many regularisation
pictures per epoch as training pictures, this is the same as one more concept folder in the
dataset, which is how :func:`prior_preservation_set` writes it::

    build/sets/weiwei_1_reg/
        10_weiwei/weiwei.png, weiwei.txt      the training set, copied
        1_1girl/000.png, 000.txt ...          10 pictures of the base model's `1girl`, tagged `1girl`
        drawn.json                            how 1_1girl was drawn (the LoRA cache keys on it)

The other remedy the course measures, more varied training pictures, needs no code: it is the
shipped set ``thesis_pruned`` (standing and sitting, mouth open and closed, each tagged with what
varies; see :mod:`lora_course.datasets.training_sets`).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Optional, Sequence

from PIL import Image

from ..lora import adapters, lora_data, lora_files
from ..datasets import dataset, training_sets
from ..core import safe_io
from ..core.paths import BUILD_DIR
from ..sd import sampling

#: Where sets built from the base model's own pictures go (they depend on the base model, so they
#: are not shipped in data/).
BUILD_SETS = BUILD_DIR / "sets"
#: Seeds of the prior-preservation pictures: far from the seeds every measurement uses (0-31).
PRIOR_SEEDS = tuple(range(1000, 1010))


def prior_preservation_set(pipe, source, class_prompt: str = "1girl", seeds: Sequence[int] = PRIOR_SEEDS,
                           out: Optional[Path] = None, repeats: int = 1) -> Path:
    """Copy the training set ``source`` (a shipped set's name, or a kohya dataset folder as a
    path) and add one concept folder ``<repeats>_<class_prompt>`` of pictures the base model draws for ``class_prompt`` (one per
    seed, every LoRA off), each captioned ``class_prompt``, and a :data:`~lora_course.lora.lora_data.DRAWN`
    record of how they were drawn (the base model's and its VAE's fingerprints, the prompt, the seeds,
    the sampler).
    Returns the new dataset root.

    The defaults balance the two halves the way kohya does: 10 pictures × 1 repeat against the
    one training picture × 10 repeats."""
    source = training_sets.folder(source)
    src = dataset.load_dataset(source)
    out = Path(out) if out is not None else BUILD_SETS / f"{source.name}_reg"
    if out.exists():
        shutil.rmtree(out)              # rebuilt every time: it depends on the base model
    for c in src.concepts:
        shutil.copytree(c.path, out / c.path.name, ignore=shutil.ignore_patterns(".backup"))
    sampler = {"steps": sampling.DEFAULT_STEPS, "guidance": sampling.DEFAULT_GUIDANCE, "guided": sampling.DEFAULT_GUIDED}
    with adapters.kept_lora_state(pipe):
        adapters.set_lora_weights(pipe, {})
        images = sampling.generate(pipe, [class_prompt] * len(seeds), list(seeds), **sampler)
    safe = class_prompt.replace(" ", "_").replace(",", "")
    folder = dataset.write_concept(out, safe, repeats, [(Image.fromarray(im), [class_prompt]) for im in images])
    # how the pictures were drawn: a LoRA trained on this set is keyed by it, not by the pictures'
    # bytes, whose last bits differ between machines (lora_data.DRAWN)
    how = {"model": lora_files.base_fingerprint(pipe), "vae": lora_files.base_fingerprint(pipe, ("vae",)),
           "prompt": class_prompt, "seeds": [int(s) for s in seeds], **sampler,
           "solver": [type(pipe.scheduler).__name__, getattr(pipe.scheduler.config, "solver_order", None)]}
    safe_io.write_text(out / lora_data.DRAWN, json.dumps({folder.name: how}, indent=1, sort_keys=True))
    return out
