"""Analysis and reporting: NCRB-style tables, dashboard charts, monthly and annual reports.

``definitions`` reads the declared tables (``data/tables.yaml``); ``facts`` reads one row per
case in scope, under need-to-know; ``tables`` sums them into tables; ``suppress`` hides small
cells for reports that leave the centre; ``charts`` and ``figures`` draw the dashboards;
``report`` assembles a report, ``pdf`` and ``xlsx`` lay it out; ``view`` serves the pages.
"""
