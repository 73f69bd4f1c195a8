"""The command-line interface: commands parse options and call the library."""
