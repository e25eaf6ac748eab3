"""The console's pages: (file under console/, url path, label key), in menu order.

The first page is the default one, served at ``/``. Each page is declared as a
dbt exposure in models/marts/semantic/_semantic__exposures.yml.
"""

PAGES = (
    ("views/overview.py", "overview", "page_overview"),
    ("views/tenure.py", "tenure", "page_tenure"),
    ("views/groups.py", "groups", "page_groups"),
    ("views/categories.py", "categories", "page_categories"),
    ("views/cohorts.py", "cohorts", "page_cohorts"),
    ("views/warnings.py", "warnings", "page_warnings"),
    ("views/members.py", "members", "page_members"),
    ("views/quality.py", "quality", "page_quality"),
)
