"""Leads: ``matching`` proposes agencies for a brief, ``intake`` records and notifies,
``inbox`` is the read side, ``privacy`` purges and answers a prospect's data requests.
"""
