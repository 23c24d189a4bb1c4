"""The notebooks' front door: one short call per step of an experiment.

    from lora_course import course
    lab = course.setup()                         # the base model (门派) and the tagger, loaded once
    weiwei = lab.train("weiwei_1")               # a LoRA on a shipped training set (cached)
    sw = lab.sweep(["weiwei", "1girl"], weiwei)  # prompts × weights (功力) × 32 seeds, read by the tagger
    lab.grid(sw)                                 # the XYZ plot: rows prompts, columns weights

Everything here is a thin layer over :mod:`lora_course.lora`, :mod:`lora_course.measure.evaluation`,
:mod:`lora_course.tagger` and :mod:`lora_course.widgets.plots`; the notebooks stay short and the work stays testable.
"""
from __future__ import annotations

import contextlib
import functools
import json
from dataclasses import replace
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

from .core import progress as progress_
from .sd import base_model
from .measure import caches, evaluation, experiments, sequential, training_length
from .datasets import dataset, training_sets
from . import lora
from .widgets import plots
from .core import safe_io
from .tagger import Tagger

#: The LoRA weights every sweep visits (A1111's 功力 from 0 to "ten levels").
WEIGHTS = experiments.WEIGHTS
#: Seeds per point of every measurement.
N_SEEDS = experiments.SEEDS
# (What is kept between notebooks, and how it is named: :mod:`lora_course.measure.caches`.)

#: The article's LoRA recipe, which every claim is decided with: a text-encoder LoRA (learning rate
#: 2e-3) beside the UNet LoRA (5e-4), trained 800 steps. Chosen by rules on a calibration character
#: no claim reads (`qiuqiu`; experiment E12 in docs/experiment_log.md, pre-registered in
#: docs/preregistration/J_E12.md): the cheapest recipe whose one-picture LoRA binds the trigger
#: (`1girl` becomes her at w = 1, while at w = 0.6 the trigger leads `1girl`), trained to the length at
#: which it copies its picture (E4's rule). Its LoRAs are trained once and shipped in ``data/loras``.
ARTICLE_LORA = lora.LoraTrainConfig(steps=800, unet_lr=5e-4, text_encoder_lr=2e-3)
#: The light recipe, shown beside it as practical advice: the library's defaults (UNet only), trained
#: for the length the recipe rule gives (:data:`lora_course.measure.training_length.RULE`, measured
#: in notebook 14: 50 steps; a test checks the two agree). Seconds on a laptop CPU.
LIGHT_LORA = lora.LoraTrainConfig(steps=50)
#: Steps between preview pictures when :meth:`Lab.train` is asked for them (``previews=True``).
PREVIEW_EVERY = 50


def same_recipe(config: lora.LoraTrainConfig, recipe: lora.LoraTrainConfig) -> bool:
    """Whether ``config`` trains with ``recipe``'s settings (whatever its name, training seed and previews)."""
    return replace(config, name=recipe.name, seed=recipe.seed, sample_every=recipe.sample_every) == recipe


def recipe_line(config: lora.LoraTrainConfig = ARTICLE_LORA) -> str:
    """Which recipe a LoRA is trained with, and what chose it (printed once per notebook)."""
    if same_recipe(config, LIGHT_LORA):
        return (f"the light recipe trains {LIGHT_LORA.steps} steps (UNet only): the length its rule gives "
                f"(\"stop when she appears\": {training_length.RULE_SHORT}; measured in notebook 14)")
    return (f"the article's recipe: {ARTICLE_LORA.steps} steps, a text-encoder LoRA "
            f"(learning rate {ARTICLE_LORA.text_encoder_lr:g}) beside the UNet LoRA ({ARTICLE_LORA.unet_lr:g}); "
            f"chosen on a calibration character no claim reads (E12 in the experiment log)")


class Lab:
    """The base pipeline and the tagger, plus the LoRAs trained so far in this session."""

    def __init__(self, pipe, tagger: Tagger, seeds: int = N_SEEDS, runs: int = experiments.RUNS):
        self.pipe, self.tagger = pipe, tagger
        self.seeds = list(range(seeds))
        self.results = {}   # LoRAs trained in this session: name -> LoraResult
        self.sources = {}   # every LoRA loaded (or noted: load_when_drawn): name -> LoraResult or file
        self.keys = {}      # LoRAs trained or cached by :meth:`train`: name -> cache key
        self.losses = {}    # training losses of the runs of :meth:`train_along`: set -> [loss per step]
        self.seconds = {}   # training seconds of the runs :meth:`train_along` made here: set -> s
        self.cache_points = True
        #: pictures this lab has drawn (not read from ``build/points``): what a course run costs
        self.drawn = 0
        #: training runs of every LoRA :meth:`train` makes (see there)
        self.runs = int(runs)
        #: the adapters of each name :meth:`train` returned, one per training run: name -> (names)
        self.replicates = {}
        self._base_key = None
        self._said = set()          # the lines said once per lab (the recipe, "loaded ... trained earlier")
        #: with True, :meth:`train` and :meth:`train_along` note each LoRA and put it in the pipeline
        #: only when a sweep must draw with it (:meth:`loading_when_drawn`)
        self.load_when_drawn = False
        self._pending = {}          # LoRAs noted but not yet in the pipeline: name -> file or result
        self.use_sampler()

    def use_sampler(self, solver: str = base_model.DEFAULT_SOLVER, steps: int = base_model.DEFAULT_STEPS,
                    guided: float = base_model.DEFAULT_GUIDED, guidance: float = base_model.DEFAULT_GUIDANCE):
        """Draw the sweeps with this sampler (the course defaults unless told otherwise): the
        solver is set on the pipeline, the rest passed to every sweep, and all of it names the
        cached points."""
        self.pipe.scheduler = base_model.sample_scheduler(solver)
        self.sampler = dict(solver=solver, steps=int(steps), guided=float(guided), guidance=float(guidance))

    # ---- training -------------------------------------------------------------------------
    def train(self, set_name, config: Optional[lora.LoraTrainConfig] = None, name: Optional[str] = None,
              reuse: bool = True, progress: bool = True, previews: bool = False,
              runs: Optional[int] = None) -> str:
        """Train a LoRA on the shipped training set ``set_name`` (see ``data/sets``; or any kohya
        dataset folder given as a path) with ``config`` (default :data:`ARTICLE_LORA`, the article's
        recipe), load it (inside :meth:`loading_when_drawn`, only note it), and return its adapter
        name. With ``reuse``, a LoRA trained earlier with
        the same pictures, captions, settings and base model is loaded instead of trained again:
        from ``build/loras``, where every LoRA trained is saved, or from ``data/loras``, where the
        course ships the article's LoRAs of every claim (:func:`lora_course.measure.caches.kept_lora`).
        ``previews`` draws preview pictures every :data:`PREVIEW_EVERY` steps while training (for
        ``plots.training_figure``; they do not change the LoRA).

        ``runs`` (default: the lab's, :data:`lora_course.measure.experiments.RUNS`) trains the LoRA that
        many times, with training seeds ``config.seed``, ``+1``, ``+2``…: the first run is loaded
        under the returned name, the others as ``<name>_run1``, ``<name>_run2``…, and
        :meth:`sweep` of the returned name splits its seeds between them (:attr:`replicates`)."""
        folder = training_sets.folder(set_name)
        cfg = replace(config or ARTICLE_LORA, name=name or folder.name)
        runs = self.runs if runs is None else int(runs)
        if runs < 1:
            raise ValueError(f"train: runs={runs}; a LoRA needs at least one training run. Fix: runs=1 (or 3, "
                             f"the course's)")
        if same_recipe(cfg, ARTICLE_LORA) or same_recipe(cfg, LIGHT_LORA):
            self._say_once(recipe_line(cfg))
        configs = self.run_configs(cfg, runs, previews)
        cached = {c.name: self._cached(folder, c) for c in configs}
        todo = [c for c in configs if not (reuse and cached[c.name][1].exists())]
        self.replicates[cfg.name] = tuple(c.name for c in configs)
        if not todo:
            self._say_once(f"loaded the LoRA {cfg.name!r} trained earlier with these settings"
                           + (f" ({runs} training runs, seeds {configs[0].seed}–{configs[-1].seed})" if runs > 1
                              else f" ({cached[cfg.name][1].name})"))
        trained = []
        if todo:
            with self._on_the_bare_base(but=[c.name for c in todo]):
                trained = [(c, lora.train_lora(self.pipe, folder, c, progress=progress)) for c in todo]
        for c, result in trained:
            self.results[c.name] = result
            result.save(caches.lora_file(c.name, cached[c.name][0]))     # the build folder, never data/loras
        fresh = {c.name for c, _ in trained}
        if trained:
            loss = " · ".join(f"{np.mean(r.losses[:10]):.3f} -> {np.mean(r.losses[-10:]):.3f}" for _, r in trained)
            print(f"trained {cfg.name!r}: {len(trained)} run{'s' if len(trained) > 1 else ''} "
                  + (f"(training seeds {', '.join(str(c.seed) for c, _ in trained)}) " if runs > 1 else "")
                  + f"of {configs[0].steps} steps in {sum(r.seconds for _, r in trained):.0f} s, loss {loss}")
        for c in configs:
            key, path = cached[c.name]
            if not self.load_when_drawn:
                self.ready(c.name)              # a LoRA only noted in a loading_when_drawn block: in now
            if (self.keys.get(c.name) == key and c.name not in fresh
                    and (c.name in self._pending or c.name in lora.loaded_adapters(self.pipe))):
                continue                        # this very LoRA is in the pipeline already (or noted for it)
            self.keys[c.name] = key
            self._put(c.name, self.results[c.name] if c.name in fresh else path)
        return cfg.name

    def run_configs(self, cfg: lora.LoraTrainConfig, runs: Optional[int] = None,
                    previews: bool = False) -> list:
        """The settings of each training run of ``cfg`` (named as its adapter), as :meth:`train`
        trains them: run ``r`` with training seed ``cfg.seed + r``, loaded as :func:`run_name`
        says; ``previews`` in the first run only. ``runs`` defaults to the lab's."""
        runs = self.runs if runs is None else int(runs)
        return [replace(cfg, seed=cfg.seed + r, name=run_name(cfg.name, r),
                        sample_every=PREVIEW_EVERY if previews and r == 0 else cfg.sample_every)
                for r in range(runs)]

    def train_light(self, set_name, **kwargs) -> str:
        """:meth:`train` with the light recipe (:data:`LIGHT_LORA`: seconds, not minutes), loaded as
        ``<set>_light``; ``kwargs`` as for :meth:`train` (``name``, ``runs``, ``previews``…)."""
        if "config" in kwargs:
            raise TypeError("train_light trains the light recipe (course.LIGHT_LORA). Fix: for another "
                            "recipe call lab.train(set_name, config)")
        if kwargs.get("name") is None:
            kwargs["name"] = f"{training_sets.folder(set_name).name}_light"
        return self.train(set_name, LIGHT_LORA, **kwargs)

    def _say_once(self, line: str) -> None:
        """Print ``line`` unless this lab printed it before (the recipe's line, and a cached LoRA
        that a notebook asks for ten times, are read once)."""
        if line not in self._said:
            self._said.add(line)
            print(line)

    def train_along(self, set_name, steps: Sequence[int], config: Optional[lora.LoraTrainConfig] = None,
                    reuse: bool = True, progress: bool = True) -> dict:
        """The training-length axis from one run: train ``set_name`` once to ``max(steps)`` and
        keep the LoRA at each of ``steps`` (:class:`lora_course.lora.KeepAt`). Each kept LoRA is
        the one a run of exactly that many steps trains, so it is cached in ``build/loras`` under
        that run's own key (the set's name and the settings at that length). Loads every kept LoRA as
        ``<set>_<steps>`` (inside :meth:`loading_when_drawn`, notes it) and returns ``{steps: adapter name}``; the whole run's training losses
        are in :attr:`losses` (``{set: [loss per step]}``). ``config`` defaults to the light recipe
        (:data:`LIGHT_LORA`), whose length notebook 14 measures. With ``reuse``, a run whose every
        kept LoRA and loss curve were saved before is loaded: from ``build/loras``, or from
        ``data/loras``, where the course ships notebook 14's runs (:data:`training_length.ALONG`); a
        run trained here is saved in ``build/loras`` only."""
        folder = training_sets.folder(set_name)
        base = replace(config or LIGHT_LORA, name=folder.name)
        steps = sorted({int(k) for k in steps})
        if not steps or steps[0] < 1:
            raise ValueError(f"train_along: steps {steps} must be whole numbers ≥ 1. Fix: e.g. steps=(25, 50, 150)")
        keys = {k: self._cached(folder, replace(base, steps=k))[0] for k in steps}
        names = {k: f"{base.name}_{k}" for k in steps}
        # one run is read whole from one folder: build/loras if it holds it, else data/loras
        places = [{k: where(base.name, keys[k]) for k in steps} for where in (caches.lora_file, caches.shipped_lora_file)]
        whole = [r for r in places if all(p.exists() for p in r.values()) and loss_curve_file(r).exists()] if reuse else []
        paths = whole[0] if whole else places[0]
        curve = loss_curve_file(paths)
        if whole:
            self._say_once(f"loaded {base.name!r} kept at {', '.join(map(str, steps))} steps, trained earlier "
                           f"with these settings")
        else:
            keep = lora.KeepAt(steps)
            with self._on_the_bare_base(but=names.values()):
                result = lora.train_lora(self.pipe, folder, replace(base, steps=steps[-1]), progress=progress,
                                         callbacks=[keep])
            for k in steps:
                keep.kept[k].save(paths[k])
            safe_io.write_text(curve, json.dumps(result.losses))
            self.seconds[base.name] = result.seconds
            print(f"trained {base.name!r} once for {result.steps} steps in {result.seconds:.0f} s, kept at "
                  f"{', '.join(map(str, steps))}")
        self.losses[base.name] = json.loads(curve.read_text())
        for k in steps:
            self.keys[names[k]] = keys[k]
            self._put(names[k], paths[k])
        return names

    def _put(self, name: str, source) -> None:
        """Load the LoRA ``source`` (a file or a training result) as ``name``; with
        :attr:`load_when_drawn`, only note it, unless a LoRA of that name is in the pipeline already
        (it is replaced now, so that no sweep draws with the old one)."""
        self.sources[name] = source
        if self.load_when_drawn and name not in lora.loaded_adapters(self.pipe):
            self._pending[name] = source
        else:
            self._pending.pop(name, None)
            lora.load_lora(self.pipe, source, name)

    def ready(self, *names: str) -> None:
        """Put the LoRAs ``names`` (default: all) that :meth:`loading_when_drawn` only noted into the
        pipeline, e.g. before a slider or anything else that uses ``lab.pipe`` directly."""
        for name in (names or list(self._pending)):
            source = self._pending.pop(name, None)
            if source is not None:
                lora.load_lora(self.pipe, source, name)

    @contextlib.contextmanager
    def loading_when_drawn(self):
        """Inside this block, :meth:`train` and :meth:`train_along` put a LoRA in the pipeline only when
        a sweep must draw new pictures with it: a sweep whose points were all drawn before reads
        them without loading anything (each LoRA loaded makes the next load slower, and a run that
        re-reads every claim, like :func:`lora_course.results.draw`, would load dozens). The LoRAs
        still noted afterwards are loaded by :meth:`ready`, by the next sweep that draws with them,
        or by the next :meth:`train` of them; code that uses ``lab.pipe`` directly calls
        :meth:`ready` first."""
        before, self.load_when_drawn = self.load_when_drawn, True
        try:
            yield self
        finally:
            self.load_when_drawn = before

    def unload(self) -> None:
        """Take every LoRA out of the pipeline and forget them, so a later :meth:`train` does not
        load them back (their files in ``build/loras`` and their sweep points stay)."""
        if lora.loaded_adapters(self.pipe):
            self.pipe.unload_lora_weights()
        self.sources.clear()
        self._pending.clear()

    @contextlib.contextmanager
    def _on_the_bare_base(self, but=()):
        """Train on the bare base model: every LoRA out, and afterwards the ones loaded before
        back in (except ``but``: the ones the training is about to load itself)."""
        others = {n: src for n, src in self.sources.items() if n not in set(but) and n not in self._pending}
        if lora.loaded_adapters(self.pipe):
            self.pipe.unload_lora_weights()
        yield
        for n, src in others.items():
            lora.load_lora(self.pipe, src, n)

    def _cached(self, folder: Path, cfg: lora.LoraTrainConfig):
        """``(cache key, file)`` of the LoRA ``cfg`` trains on ``folder`` (:func:`caches.lora_key`):
        the file in ``build/loras``, or the shipped one in ``data/loras`` where only it exists
        (:func:`caches.kept_lora`)."""
        key = caches.lora_key(folder, cfg.weights_json(), self._base_fingerprint())
        return key, caches.kept_lora(cfg.name, key)

    def _base_fingerprint(self) -> str:
        """The base model's fingerprint, computed once per lab (it keys LoRAs and sweep points)."""
        if self._base_key is None:
            self._base_key = lora.base_fingerprint(self.pipe)
        return self._base_key

    # ---- measuring ------------------------------------------------------------------------
    def sweep(self, prompts: Sequence[str], lora_name: str, weights: Sequence[float] = WEIGHTS,
              seeds: Optional[Sequence[int]] = None, progress: bool = True) -> evaluation.Sweep:
        """Generate prompts × weights × seeds with ``lora_name`` and read every image.

        Pictures drawn before (by this or an earlier notebook) are taken from ``build/points``
        instead of drawn again: the same LoRA (by its cache key), prompt, weight, seed and sampler
        settings give the same picture, so a sweep on more seeds than an earlier one draws only the
        new seeds. ``w = 0`` is the base model whatever the LoRA, so it is shared by every LoRA."""
        seeds = list(self.seeds if seeds is None else seeds)
        weights = [float(w) for w in weights]
        members = self.replicates.get(lora_name, (lora_name,))
        # the i-th seed is drawn with training run i mod R; the base model (w = 0) is any run's
        R, everyone = len(members), list(range(len(seeds)))
        jobs = [(members[0], everyone, [w for w in weights if w == 0.0])]
        jobs += [(m, everyone[r::R], [w for w in weights if w != 0.0]) for r, m in enumerate(members)]
        jobs = [(m, cols, ws) for m, cols, ws in jobs if ws and cols]
        found = [self._points(m, prompts, ws, [seeds[i] for i in cols]) for m, cols, ws in jobs]
        n = sum(len(missing) for _, todo in found for _, _, missing in todo)
        bar = tqdm(total=n, desc=f"sweep {lora_name}", unit="img", disable=progress_.disabled(progress) or n == 0,
                   mininterval=1)
        points = {}
        for (m, cols, ws), (have, todo) in zip(jobs, found):
            for key, new in self._draw(m, todo, bar).items():
                have[key].update(new)
            for key, by_seed in have.items():
                pics = np.stack([by_seed[seeds[i]] for i in cols])
                if key not in points:
                    points[key] = np.zeros((len(seeds), *pics.shape[1:]), pics.dtype)
                points[key][cols] = pics
        bar.close()
        images = np.stack([np.stack([points[p, w] for w in weights]) for p in prompts])
        sw = evaluation.read_sweep(self.tagger, prompts, weights, seeds, images,
                                   runs=[i % R for i in everyone] if R > 1 else None)
        if progress:
            print(sw.unclear_summary())
        return sw

    def until_decided(self, exp: experiments.Experiment, looks: sequential.Looks = sequential.LOOKS,
                      progress: bool = True) -> sequential.Decided:
        """Train ``exp``'s LoRAs and draw its sweeps in looks until its claim is decided
        (:meth:`draw_until_decided`, on the experiment's own seeds continued)."""
        plan = {n: (self.train(s, progress=progress), exp.prompts, exp.weights)
                for s, n in zip(exp.sets, exp.sweep_names())}
        return self.draw_until_decided(plan, functools.partial(experiments.decide, exp),
                                       exp.look_seeds(looks.seeds[-1]), looks, label=exp.claim, progress=progress)

    def draw_until_decided(self, plan: dict, decide, seeds: Sequence[int],
                           looks: sequential.Looks = sequential.LOOKS, label: str = "",
                           progress: bool = True) -> sequential.Decided:
        """Draw the sweeps of ``plan`` (``{sweep name: (LoRA, prompts, weights)}``) in looks of more
        and more of ``seeds`` until ``decide(sweeps)`` has no open check
        (:mod:`lora_course.measure.sequential`). The first look draws every point of every sweep (the
        pictures and curves a notebook shows: ``.shown``); later looks add seeds only to the points
        the checks read, all of them together. Returns the verdict, the sweeps it was decided on
        (``.drawn``), where and why it stopped (``.stop``)."""
        shown = {}
        bar = tqdm(total=len(looks), desc=f"{label} looks".strip(), unit="look",
                   disable=progress_.disabled(progress), leave=False)

        def draw(first_n):
            bar.update(1)
            if not shown:             # the first look: every point of every sweep
                shown.update({n: self.sweep(list(ps), m, weights=ws, seeds=first_n, progress=False)
                              for n, (m, ps, ws) in plan.items()})
                return dict(shown)
            later = sequential.read_points(shown)     # later looks: the points the checks read
            return {n: self.sweep(later[n][0], m, weights=later[n][1], seeds=first_n, progress=False)
                    for n, (m, _, _) in plan.items()}
        decided = sequential.until_decided(draw, decide, seeds, looks)
        bar.close()
        decided.shown = shown
        return decided

    def _points(self, lora_name: str, prompts: Sequence[str], weights: Sequence[float], seeds) -> tuple:
        """``({(prompt, weight): {seed: picture}}, [(prompt, weight, [seeds still to draw])])`` for one
        LoRA adapter: the pictures kept in ``build/points`` on these seeds, and the rest."""
        have, todo = {}, []
        for p in prompts:
            for w in weights:
                path = self._point_path(lora_name, p, w)
                kept = {} if path is None else caches.load_point(path)
                have[p, w] = {s: kept[s] for s in seeds if s in kept}
                missing = [s for s in seeds if s not in kept]
                if missing:
                    todo.append((p, w, missing))
        return have, todo

    def _draw(self, lora_name: str, todo, bar) -> dict:
        """Draw the seeds still missing of each point of ``todo`` [(prompt, weight, seeds)] with one
        LoRA adapter, keep them in ``build/points`` beside the ones kept, and return
        ``{(prompt, weight): {seed: picture}}`` of the new ones (:attr:`drawn` counts them)."""
        out, batches = {}, {}
        if any(missing for _, _, missing in todo):
            self.ready(lora_name)
        for p, w, missing in todo:
            batches.setdefault((w, tuple(missing)), []).append(p)
        for (w, missing), ps in batches.items():
            images, _ = evaluation.sweep_images(self.pipe, ps, [w], list(missing), lora_name,
                                                steps=self.sampler["steps"], guidance=self.sampler["guidance"],
                                                guided=self.sampler["guided"])
            for i, p in enumerate(ps):
                out[p, w] = dict(zip(missing, images[i, 0]))
                path = self._point_path(lora_name, p, w)
                if path is not None:
                    caches.add_to_point(path, out[p, w])
            self.drawn += len(ps) * len(missing)
            bar.update(len(ps) * len(missing))
        return out

    def _point_path(self, lora_name: str, prompt: str, weight: float) -> Optional[Path]:
        """Where one sweep point's pictures are kept; None when it can't be named safely (a LoRA
        not trained through :meth:`train`, or caching off)."""
        if not self.cache_points or (weight != 0.0 and lora_name not in self.keys):
            return None
        key = caches.point_key(self.keys.get(lora_name), self._base_fingerprint(), prompt, weight, self.sampler,
                               self._device())
        return caches.point_file(key)

    def _device(self) -> str:
        """The device the UNet draws on, as a point's key names it. (Read from a parameter: the
        pipeline's own ``device`` walks every module for offloading hooks, which takes longer the
        more LoRAs are loaded, and a sweep names hundreds of points.)"""
        return str(next(self.pipe.unet.parameters()).device)

    # ---- the training-length axis (notebook 14) --------------------------------------------
    def recipe_rule(self, names: dict, progress: bool = True) -> tuple:
        """The light recipe's rule (:data:`lora_course.measure.training_length.RULE`) measured on the
        LoRAs ``{steps: adapter}`` of :meth:`train_along`: ``(steps it gives, {steps: Estimate})``."""
        seeds = range(training_length.RULE_SEEDS)
        hits = {}
        for k, name in tqdm(sorted(names.items()), desc="the rule", disable=progress_.disabled(progress)):
            sw = self.sweep([training_length.TRIGGER], name, weights=(1.0,), seeds=seeds, progress=False)
            hits[k] = sw.her(training_length.TRIGGER, 1.0)
        return training_length.recipe_steps(hits)

    def phase_diagram(self, names: dict, label: str, maps: Optional[Sequence[str]] = None,
                      weights=training_length.WEIGHTS, seeds: int = training_length.SEEDS,
                      progress: bool = True) -> "training_length.PhaseDiagram":
        """Sweep every kept LoRA ``{steps: adapter}`` (:meth:`train_along`) with the same prompts,
        weights and seeds, and read them into one phase diagram (steps × weights per measure).
        ``maps``: the measures to map (keys of :data:`~lora_course.measure.training_length.MEASURES`,
        default all); only the prompts they read are drawn."""
        measures = training_length.measures_of(maps)
        prompts = training_length.prompts_of(measures)
        sweeps = {}
        for k, name in tqdm(sorted(names.items()), desc=f"phase diagram {label}",
                            disable=progress_.disabled(progress)):
            sweeps[k] = self.sweep(list(prompts), name, weights=weights, seeds=range(seeds), progress=False)
        unclear = np.mean([sw.unclear(p, w) for sw in sweeps.values() for p in sw.prompts for w in sw.weights])
        print(f"{label}: {len(sweeps)} steps × {len(weights)} weights × {len(prompts)} prompts × {seeds} seeds; "
              f"unclear readings {unclear:.0%} (they count as not showing a tag)")
        return training_length.PhaseDiagram(label, sweeps, measures)

    def copies(self, sw: evaluation.Sweep, prompt: str, weight: float, set_name) -> np.ndarray:
        """Per seed: is ``prompt``'s picture at ``weight`` a copy of a training picture of
        ``set_name``? (:meth:`lora_course.measure.evaluation.Sweep.copies`: no farther from it than the
        VAE's own round trip of it plus :data:`~lora_course.measure.evaluation.COPY_MARGIN`.)"""
        return _copies(sw, prompt, weight, *self._copy_floor(set_name))

    def _copy_floor(self, set_name):
        """A set's pictures and how far the VAE's round trip moves each (mean grey levels)."""
        from .tagger.train_tagger import reconstruct
        pictures = training_pictures(set_name)
        diff = np.abs(reconstruct(self.pipe.vae, pictures).astype(np.int16) - pictures.astype(np.int16))
        return pictures, diff.reshape(len(pictures), -1).mean(1)

    def copies_table(self, sw: evaluation.Sweep, prompt: str, set_name) -> str:
        """Per weight of ``sw``: how many of ``prompt``'s pictures are copies of a training picture
        of ``set_name`` (:meth:`copies`), with the 95 % interval."""
        from .measure import stats
        pictures, floor = self._copy_floor(set_name)
        lines = [f"copies of a training picture of {set_name} (at most {evaluation.COPY_MARGIN:g} grey level farther "
                 f"from it than the VAE's own round trip, {', '.join(f'{f:.1f}' for f in floor)}), `{prompt}`, "
                 f"{len(sw.seeds)} seeds:"]
        for w in sw.weights:
            hits = _copies(sw, prompt, w, pictures, floor)
            lines.append(f"  w={w:g}: {int(hits.sum())} of {len(hits)}, {stats.share(hits)}")
        return "\n".join(lines)

    def grid(self, sw: evaluation.Sweep, seed_index: int = 0, title: Optional[str] = None):
        """The XYZ plot of a sweep: rows prompts, columns LoRA weights, one seed."""
        return plots.sweep_grid(sw.images, sw.prompts, sw.weights, sw.seeds, seed_index, title)

    def weights_grid(self, sw: evaluation.Sweep, prompt: str, weights: Sequence[float] = (0.0, 1.0),
                     n: int = 8, title: Optional[str] = None):
        """Rows LoRA weights, columns the first ``n`` seeds, for one prompt: what "share of
        images" means."""
        return plots.seeds_grid(sw.images, sw.prompts, sw.weights, sw.seeds, prompt, weights, n, title)


def run_name(name: str, run: int) -> str:
    """The adapter name of training run ``run`` of the LoRA ``name`` (run 0 keeps the name)."""
    return name if run == 0 else f"{name}_run{run}"


def show_set(set_name):
    """The pictures of a shipped training set (or of any dataset folder given as a path) with
    their captions, as a figure."""
    ds = dataset.load_dataset(training_sets.folder(set_name))
    return plots.image_grid(_pictures(ds)[None], col_labels=[dataset.caption_text(it.tags) for it in ds.items],
                            cell=1.6)


def _copies(sw: evaluation.Sweep, prompt: str, weight: float, pictures: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Per seed: a copy of any of ``pictures``, each with its own VAE floor (see :meth:`Lab.copies`)."""
    return np.any([sw.copies(prompt, weight, pic, f + evaluation.COPY_MARGIN) for pic, f in zip(pictures, floor)],
                  axis=0)


def training_pictures(set_name) -> np.ndarray:
    """The pictures of a training set (shipped name or folder), N×H×W×3 uint8."""
    return _pictures(dataset.load_dataset(training_sets.folder(set_name)))


def loss_curve_file(run: dict) -> Path:
    """Where a :meth:`Lab.train_along` run (``{steps: LoRA file}``) keeps its loss curve: beside its
    longest LoRA."""
    return run[max(run)].with_suffix(".losses.json")


def _pictures(ds) -> np.ndarray:
    return np.stack([np.asarray(it.image()) for it in ds.items])


def article_pictures(lab: Lab, set_name: str, prompts: Sequence[str], weights: Sequence[float] = (0.6, 1.0),
                     n: int = 4, title: Optional[str] = None):
    """The article's pictures first: for each prompt, what the base model draws (w = 0), what the
    article's LoRA draws (:data:`ARTICLE_LORA`, shipped) and what the light recipe's draws
    (:data:`LIGHT_LORA`, trained here in seconds, once), at each of ``weights``, on the first ``n``
    seeds. Rows: who draws it and at which weight; columns: seeds."""
    article = lab.train(set_name, progress=False)
    light = lab.train_light(set_name, progress=False)
    seeds = range(n)
    rows, labels = [], []
    for p in prompts:
        base = lab.sweep([p], article, weights=(0.0,), seeds=seeds, progress=False)
        rows.append(base.images[0, 0])
        labels.append(f"`{p}` · the base model (w=0)")
        for who, name in ((f"the article's LoRA ({ARTICLE_LORA.steps} steps)", article),
                          (f"the light recipe's ({LIGHT_LORA.steps} steps)", light)):
            sw = lab.sweep([p], name, weights=weights, seeds=seeds, progress=False)
            for j, w in enumerate(sw.weights):
                rows.append(sw.images[0, j])
                labels.append(f"`{p}` · {who}, w={w:g}")
    return plots.image_grid(np.stack(rows), row_labels=labels, col_labels=[f"seed {i}" for i in seeds], cell=0.9,
                            title=title or "the base model, the article's LoRA and the light recipe's, side by side")


def setup(device: Optional[str] = None, seeds: int = N_SEEDS, quiet: bool = True,
          runs: int = experiments.RUNS, base=None) -> Lab:
    """Load the shipped base model and tagger; print the device (``device``, else the best
    available: cuda, mps, cpu, see :func:`lora_course.sd.base_model.pick_device`) and what was loaded.
    ``seeds``: pictures per sweep point; ``runs``: training runs of every LoRA :meth:`Lab.train`
    makes (the seeds of a point are split between them; ``runs=1`` trains each LoRA once); ``base``:
    another base model's folder (a candidate sect) instead of the shipped ``data/base``."""
    if quiet:
        progress_.quiet_libraries()
    torch.manual_seed(0)
    # float32 on every device: the model is tiny, and the course's numbers were measured in float32
    pipe = base_model.load_pipeline(base, device=device, dtype=torch.float32)
    tagger = Tagger.load(device=str(pipe.device))
    n = sum(p.numel() for p in pipe.unet.parameters()) / 1e6
    print(f"device: {pipe.device}; base model: {n:.1f} M-parameter UNet "
          f"({lora.base_resolution(pipe)}px); tagger loaded; {seeds} seeds per point"
          + (f", split between {runs} training runs of each LoRA" if runs > 1 else ""))
    return Lab(pipe, tagger, seeds, runs)
