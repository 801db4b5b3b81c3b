"""Blueprints, one per audience: public, account, admin, api, badges."""
