"""Domain rules: how titles match, which events count, how a prediction is seeded and scored, what
is trending. Plain functions over models and a SQLModel session; no Redis, HTTP, jobs or Reflex
(docs/architecture.md). The sync pipeline and the use cases in `services/` both build on them.
"""
