"""The ``livedenoise`` command line: the entry point (``main``), one module per subcommand, shared flags."""
