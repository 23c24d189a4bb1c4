"""The tiny Stable Diffusion (the sect, 门派): its parts and loading (``base_model``), the tokenizer,
drawing pictures (``sampling``), the training objective (``diffusion``), where a training loop runs
(``accelerator``) and the pretraining from scratch or as a continuation (``pretrain``)."""
