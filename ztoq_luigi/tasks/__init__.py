"""The Luigi pipeline: one module per phase, plus the MigrateProject wrapper in workflow.py.

`luigi --module ztoq_luigi.tasks.workflow MigrateProject --project-key KEY` runs it
under Luigi's own CLI; settings and secrets then come from the environment
(ZTOQ_*) and ZTOQ_CONFIG, never from task parameters.
"""
