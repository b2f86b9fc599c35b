"""Where roles run: ``local`` (processes on this machine) and ``kubernetes`` (pods)."""
