"""Measuring what a LoRA does and deciding the article's claims: intervals (``stats``), sweeps read
by the tagger (``evaluation``) and kept between notebooks (``caches``), the experiments declared once
(``experiments``), how a claim is decided (``verdicts``) and drawn until it is (``sequential``), the claims (``claims``), the remedies,
the training-length maps (``training_length``), the weight guide and the readings in both languages
(``readings``)."""
