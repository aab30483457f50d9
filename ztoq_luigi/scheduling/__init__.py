"""How the pipeline runs: Luigi's worker with tasks in threads, and stopping on a signal."""
