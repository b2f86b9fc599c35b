"""``python -m kobench.controller`` is ``kobench operator``."""

from kobench.controller.main import main

main()
