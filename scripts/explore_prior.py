"""Why does prior preservation stop the `1girl` hijack on one base model and not on another?
The one-picture set with the ten prior pictures (notebook 11), trained with the course's recipe
and with a text-encoder LoRA too (lr 1e-3, kohya's habit), which can move `weiwei` and `1girl`
apart where the frozen encoder gives them alike embeddings.

    python scripts/explore_prior.py [--seeds 32]

Prints, at w = 0.6 and w = 1, how often `weiwei` and `1girl` are her.
"""
import argparse
from dataclasses import replace

from lora_course import course
from lora_course.measure import remedies

VARIANTS = {"course recipe (UNet only)": course.LIGHT_LORA,
            "+ text-encoder LoRA (lr 1e-3)": replace(course.LIGHT_LORA, text_encoder_lr=1e-3)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=32)
    a = p.parse_args()
    lab = course.setup(seeds=a.seeds)
    reg_set = remedies.prior_preservation_set(lab.pipe, "weiwei_1")
    print("\n| LoRA | w | `weiwei` is her | `1girl` is her |")
    print("|---|---|---|---|")
    for k, (label, cfg) in enumerate(VARIANTS.items()):
        for plain in (True, False):
            name = lab.train("weiwei_1" if plain else reg_set, cfg, name=f"prior_{k}_{'plain' if plain else 'reg'}",
                             progress=False)
            sw = lab.sweep(["weiwei", "1girl"], name, weights=(0.6, 1.0), progress=False)
            for w in sw.weights:
                print(f"| {label}, {'no prior pictures' if plain else 'prior preservation'} | {w:g} | "
                      f"{sw.fidelity('weiwei', w).all:.2f} | {sw.fidelity('1girl', w).all:.2f} |", flush=True)
            lab.unload()


if __name__ == "__main__":
    main()
