"""lora_course: reproduce and measure the experiments of "LoRA训练——打标签(tag)" on a tiny
Stable Diffusion that trains and samples on a laptop CPU. Start with ``lora_course.course``."""
__version__ = "0.1.0"
