"""Loading a snapshot: the manifest, reading files, typing and quarantine, the schema."""
