"""Radar console: the Streamlit dashboards over the public marts (issue 7).

``app.py`` is the entry point (``make console``); ``queries.py`` holds every
SQL statement the pages run, ``i18n.py`` the Chinese and English labels,
``ui.py`` the warehouse connection and shared chart helpers, ``views/`` one
file per page.
"""
