"""Matching by trade skill: the engine, its SQL candidate queries, nominations and pages."""
