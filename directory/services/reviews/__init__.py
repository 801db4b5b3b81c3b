"""Client reviews: ``submissions`` (invitations, submissions, verification), ``moderation``
(approval, responses, reports, purging) and ``ratings`` (the agency aggregates).
"""
