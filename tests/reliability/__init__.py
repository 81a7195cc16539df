"""Reliability tests: faults and retries, at-least-once delivery, hostile input, fuzzing, load, API."""
