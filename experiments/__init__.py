"""Many runs of the Drumbeat model: designs, executors, the result store, analysis and the CLI."""
