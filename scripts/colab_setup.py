# On Colab: install the course, its code and data (anywhere else this line does nothing).
import sys; "google.colab" in sys.modules and get_ipython().run_line_magic("pip", "install -q git+https://github.com/lora-course/lora_course")
