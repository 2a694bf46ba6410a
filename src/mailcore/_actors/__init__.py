"""Actors: supervision, per-account mailbox actors, group commit, indexing."""
