"""`python -m bot.rasa_server ARGS`: the `rasa ARGS` command, without JAX in memory.

TensorFlow 2.12 imports JAX only to offer TFLite conversion, which Rasa never uses; its import
is optional (`try: from jax import ...`). Keeping it out saves about 80 MB in each Rasa server
process (measured with `make bench`). Used by bot.stack for `rasa run`.
"""

import sys

sys.modules["jax"] = None  # makes `import jax` raise ImportError, which TensorFlow handles

from rasa.__main__ import main  # noqa: E402

if __name__ == "__main__":
    main()
