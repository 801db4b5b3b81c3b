"""Forms: validation only (Flask-WTF, CSRF on every form)."""
