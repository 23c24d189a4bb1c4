"""Does training longer give the article's pictures for claims C5 and C7? The one-picture set,
the course's recipe at 150 steps and the same recipe trained four times longer (600 steps).

    python scripts/explore_overfit.py [--seeds 32]

For each, prints at w = 0.6 and w = 1: how often `weiwei, closed mouth` closes the mouth, how
often `weiwei, sitting` sits, and how often a sitting picture is her *and* sitting.
"""
import argparse

from lora_course import course, lora

VARIANTS = {"course recipe (150 steps)": lora.LoraTrainConfig(),
            "trained 4x longer (600 steps)": lora.LoraTrainConfig(steps=600)}
PROMPTS = ["weiwei, closed mouth", "weiwei, sitting"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=32)
    a = p.parse_args()
    lab = course.setup(seeds=a.seeds)
    weights = (0.6, 1.0)
    print("\n| LoRA | w | closed mouth obeyed | sitting obeyed | her and sitting |")
    print("|---|---|---|---|---|")
    for label, cfg in VARIANTS.items():
        name = lab.train("weiwei_1", cfg, name=f"weiwei_{cfg.steps}", progress=False)
        sw = lab.sweep(PROMPTS, name, weights=weights, progress=False)
        for w in weights:
            print(f"| {label} | {w:g} | {sw.rate('closed mouth', PROMPTS[0], w):.2f} | "
                  f"{sw.rate('sitting', PROMPTS[1], w):.2f} | "
                  f"{sw.joint(PROMPTS[1], w, ['sitting']):.2f} |", flush=True)
        lab.unload()


if __name__ == "__main__":
    main()
