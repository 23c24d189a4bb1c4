"""The course's plumbing, imported by every other part and importing none of them: where files
live (``paths``), how they are written (``safe_io``) and checkpointed (``checkpoint``), progress
bars (``progress``), optional paths (``availability``) and A1111's ``<lora:name:w>`` prompt
syntax (``prompt_syntax``)."""
