"""Each of the article's experiments is declared once (lora_course.measure.experiments): its notebook draws
it from there, and the results module keeps no copy of its prompts, weights or seeds."""
import re
from pathlib import Path

from lora_course.measure import claims, experiments

ROOT = Path(__file__).resolve().parent.parent


def test_every_article_claim_has_one_experiment_and_a_claim_function():
    assert list(experiments.ARTICLE) == ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]
    for c, e in experiments.ARTICLE.items():
        assert e.claim == c and callable(getattr(claims, c.lower()))
        assert len(e.sweep_names()) == len(e.sets) and (ROOT / "notebooks" / f"{e.notebook}.py").exists()
    assert experiments.C5.sweep_names() == ("C5 one", "C5 two") and experiments.C1.sweep_names() == ("C1",)
    assert set(experiments.C1.seeds).isdisjoint(range(48)), "C1 must not be drawn on the recipe rule's seeds"


def test_each_notebook_draws_its_experiment_from_the_registry():
    for c, e in experiments.ARTICLE.items():
        src = (ROOT / "notebooks" / f"{e.notebook}.py").read_text(encoding="utf-8")
        assert f"from lora_course.measure.experiments import {c}" in src, e.notebook
        code = "\n".join(line for line in src.splitlines() if not line.startswith("#"))
        for prompt in e.prompts:        # no prompt list typed again in the notebook's code
            assert not re.search(r"lab\.sweep\(\[[^\]]*" + re.escape(f'"{prompt}"'), code), (e.notebook, prompt)


def test_the_results_module_keeps_no_copy_of_an_experiment():
    src = (ROOT / "lora_course" / "results.py").read_text(encoding="utf-8")
    for e in experiments.ARTICLE.values():
        listed = ", ".join(f'"{p}"' for p in e.prompts)          # the experiment's prompt list, typed again
        if len(e.prompts) > 1:      # (a one-prompt list such as ["fox"] is also a list of tags)
            assert f"[{listed}]" not in src and f"({listed})" not in src, f"results.py repeats experiments.{e.claim}"
        else:
            assert f'lab.sweep(["{e.prompts[0]}"]' not in src, f"results.py draws experiments.{e.claim} by hand"
    assert "(0.6, 0.8, 1.0)" not in src and "range(1000" not in src and "STRONG_HOST =" not in src


def test_the_claims_beyond_the_article_declare_their_sets_once():
    """T, P, R and W: notebooks 09-12 and the results module read their training sets, uses and
    weights from the registry; none types them again."""
    assert list(experiments.NOTEBOOKS) == [*experiments.ARTICLE, "T", "P", "R", "W"]
    for path in ["lora_course/results.py", *(f"notebooks/{experiments.NOTEBOOKS[c]}.py" for c in "TPRW")]:
        code = "\n".join(line for line in (ROOT / path).read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith("#"))
        for typed in ('"onto_1girl"', '"onto_red_hair"', '"fox, sitting"', '"thesis_{how}"', "(0.0, 0.6, 1.0)"):
            assert typed not in code, f"{path} types {typed} again: take it from lora_course.measure.experiments"
    for name in experiments.NOTEBOOKS.values():
        assert (ROOT / "notebooks" / f"{name}.py").exists(), name
