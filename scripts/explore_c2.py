"""What changes the `1girl` hijack (claim C2)? Sweep LoRA variants on the one-picture set.

    python scripts/explore_c2.py [--seeds 16]

For each variant of the course's LoRA recipe, prints the identity fidelity of `weiwei` and of
`1girl` at each weight, and the largest gap (puppet minus host) over the weights. (Training
length is not a variant here: notebook 14 draws C2's gap at every length from 25 to 600 steps.)
"""
import argparse
from dataclasses import replace

from lora_course import course

VARIANTS = {
    f"course recipe ({course.LIGHT_LORA.steps} steps, lr 2e-3)": course.LIGHT_LORA,
    "weaker: lr 5e-4": replace(course.LIGHT_LORA, unet_lr=5e-4),
    "+ text-encoder LoRA (lr 1e-3)": replace(course.LIGHT_LORA, text_encoder_lr=1e-3),
    "cross-attention k/v only": replace(course.LIGHT_LORA, unet_targets=("attn2.to_k", "attn2.to_v")),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=16)
    a = p.parse_args()
    lab = course.setup(seeds=a.seeds)
    weights = (0.2, 0.4, 0.6, 0.8, 1.0)
    print("\n| variant | prompt | " + " | ".join(f"w={w:g}" for w in weights) + " | largest gap |")
    print("|---|---|" + "---|" * len(weights) + "---|")
    for k, (label, cfg) in enumerate(VARIANTS.items()):
        name = lab.train("weiwei_1", cfg, name=f"c2_{k}", progress=False)
        sw = lab.sweep(["weiwei", "1girl"], name, weights=weights, progress=False)
        ft, fh = sw.fidelity_curve("weiwei"), sw.fidelity_curve("1girl")
        gap, w_gap = max((t - h, w) for t, h, w in zip(ft, fh, weights))
        print(f"| {label} | `weiwei` | " + " | ".join(f"{x:.2f}" for x in ft) + f" | {gap:+.2f} at w={w_gap:g} |")
        print("| | `1girl` | " + " | ".join(f"{x:.2f}" for x in fh) + " | |", flush=True)
        lab.unload()


if __name__ == "__main__":
    main()
