# %% [markdown]
# # 05 · `fox` as the trigger: possessing a sect member
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lora-course/lora_course/blob/main/notebooks/05_fox_trigger.ipynb)
#
# **Article:** experiment 4. The author retrains with the single tag `fox` instead of `weiwei`. At weight 1.0 `fox` draws weiwei; as the weight drops, the original fox features come back and hers fade.
#
# `fox` is a member of the sect: the base model draws an orange animal for it. Training onto it is possession (夺舍).
#
# You will see: the prompt `fox` at every weight, her fidelity and the share of pictures showing the animal.

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
course.show_set("fox_1")

# %%
fox = lab.train("fox_1")

# %%
sw = lab.sweep(["fox"], fox)
lab.grid(sw, title="prompt `fox` with the LoRA trained on `fox`")

# %%
plots.fox_figure(sw, "fox")

# %% [markdown]
# ## Verdict (claim C4)

# %%
# NBVAL_CHECK_OUTPUT
claims.c4(sw).show()

# %% [markdown]
# ## Reading it
# Her fidelity counts every identity attribute at once, her eyes included. When a known word fights back, the smallest feature is the first to go: if the verdict is PARTLY, `print(sw.fidelity("fox", 1.0))` gives it per attribute (docs/results.md).

# %% [markdown]
# ## Things to try
# - Prompt `1girl` with the fox LoRA: is the hijack as strong as with the `weiwei` LoRA?
# - Train on `fox, 1girl` together: whose features win at 0.6?
# - Prompt `fox ears`: a tag close to the host.
