"""The station: CLI, job execution, the pipeline, archival output and delivery."""
