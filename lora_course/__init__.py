"""lora_course: reproduce and measure the experiments of "LoRA训练——打标签(tag)" on a tiny
Stable Diffusion that trains and samples on a laptop CPU. Start with ``lora_course.course``.

The package, lowest part first (each imports only from the parts before it; README.md lists the
modules of each and ``tests/test_architecture.py`` checks it):

* ``core`` — files, safe writes, checkpoints, progress bars, A1111's prompt syntax;
* ``world`` — the drawn world and who the sect (门派) has seen;
* ``sd`` — the tiny Stable Diffusion: loading, drawing, its objective, its pretraining;
* ``datasets`` — kohya folders, their captions, the article's training sets;
* ``tagger`` — reading pictures (the course's tagger, its training, the real WD14);
* ``lora`` — the LoRA trainer, its files and adapters;
* ``measure`` — sweeps, intervals, the experiments, the claims and their verdicts;
* ``widgets`` — figures, the weight slider (功力) and the tag editor;
* the front door: ``course`` (the notebooks' one-line steps), ``results``, ``report``, ``real_sd``.
"""
__version__ = "0.1.0"
