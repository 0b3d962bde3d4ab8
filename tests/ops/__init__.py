"""Tests of the ops tooling: the sandbox payment gateway."""
