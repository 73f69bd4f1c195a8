"""Settings models: every section of negpersona.yaml. Stages import config, never the reverse."""
