"""Kohya training sets and their captions: tag tools (``tags``), dataset folders (``dataset``), the
article's training sets generated from the world (``training_sets``) and what a folder's captions
will do to a LoRA (``caption_lint``)."""
