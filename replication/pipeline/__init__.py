"""How the stages run: the pytask tasks' shared pieces (the run, code dependencies, the build, the outputs manifest).

Each stage declares its tasks in a ``task_*.py`` module beside its code; ``python -m replication build`` (what
``make all`` calls) collects them with pytask and runs what is out of date.
"""
