"""Read queries of the dashboard and the JSON API (``report.ReportQueries``, over ``filters.Filters``).

Without a date range the headline and per-province figures come from the small aggregate tables (a few
thousand rows, whatever the number of dossiers); with a date range (by submission day) dossier figures come
from the dossiers table through its (province, day) and (day) indexes, and payments, fines, feedback and SMS
from their per-day aggregates. Overdue = not finished and due date before today (Viet Nam time).

``ReportQueries`` is assembled from one class per part of the dashboard, each on ``base.QueryBase`` (the
where clauses): ``headline`` (the headline figures), ``overdue`` (overdue lists and counts, one dossier),
``tables`` (breakdown, trends, payments, what has been seen), ``health`` (pipeline health); ``report`` adds
the per-province table and the metrics snapshot, which read several of them.
"""
