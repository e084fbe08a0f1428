"""Assignments for kernelsim classes: each folder has a README, a starter file and a reference solution.

``kernelsim assignments`` lists them; ``kernelsim assignments NAME --out DIR`` copies the README and
the starter for students; ``--solution`` adds the reference solution (for the instructor).  Grade a
student's file with ``kernelsim grade FILE``.
"""
