"""One module per CLI command: each takes (args, settings, env) and returns an ExitStatus."""
