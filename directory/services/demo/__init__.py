"""Demo data: contract-shaped agencies generated from a seed and fed to the importer.

``seed`` generates and imports, ``featured`` holds the hand-written agencies shown first,
``data`` the distributions and ``texts`` the words and sentences, by language.
"""
