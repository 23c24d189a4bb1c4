# %% [markdown]
# # 07 · Crying and smiling: combining tags
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/07_cry_smile.ipynb)
#
# **Article:** experiment 6. The open-mouth picture is also tagged `crying` and the closed-mouth one `smile`. Prompting `open mouth` + `crying` gives a wide-open crying face; `closed mouth` + `smile` a closed-lip smile.
#
# You will see: the training set, the combinations at three weights, and how often each picture shows both requested tags at once.

# %%
# On Colab: fetch the course (code and data/) and install it. Anywhere else: nothing to do.
import importlib.util, os, shlex, subprocess, sys
if ("google.colab" in sys.modules or os.environ.get("LORA_COURSE_COLAB") == "1") \
        and importlib.util.find_spec("lora_course") is None:
    home = os.environ.get("LORA_COURSE_DIR", "/content/lora_course")
    if not os.path.isdir(home):
        src = os.environ.get("LORA_COURSE_REPO", "https://github.com/lora-course/lora_course")
        subprocess.run(["git", "clone", "--depth=1", "-q", src, home], check=True)
    pip_args = shlex.split(os.environ.get("LORA_COURSE_PIP_ARGS", ""))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *pip_args, "-e", home], check=True)
    sys.path.insert(0, home)
    print("the course is installed from", home)

# %%
from lora_course import claims, course, plots
lab = course.setup()

# %%
course.show_set("cry_smile_2")

# %%
cs = lab.train("cry_smile_2")

# %%
prompts = ["weiwei, open mouth, crying", "weiwei, closed mouth, smile"]
sw = lab.sweep(prompts, cs, weights=(0.6, 0.8, 1.0))
lab.grid(sw, title="tags combined at prompt time")

# %%
plots.combination_figure(sw, {prompts[0]: ["open mouth", "crying"], prompts[1]: ["closed mouth", "smile"]})

# %% [markdown]
# ## Verdict (claim C6)

# %%
# NBVAL_CHECK_OUTPUT
claims.c6(sw).show()

# %% [markdown]
# ## Things to try
# - Swap them: `weiwei, open mouth, smile` was never in the training set. Does the base model fill the gap?
# - Remove `crying` from the prompt: does the LoRA cry anyway, because the open mouth and the tears came together?
