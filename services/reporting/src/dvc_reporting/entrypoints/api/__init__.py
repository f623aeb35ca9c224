"""The JSON API (for the dashboard and for other government systems): thin routes over ReportQueries.

Every route needs an operator token (bearer, or the dashboard's cookie). A province operator (token claim
``province``) sees only their province: ``province=`` is forced to it, another province is a 403. Tables
accept ``format=csv`` (UTF-8 with a BOM, so spreadsheet programs show the diacritics).

One module per OpenAPI tag, each with its own ``router``: ``session``, ``figures``, ``overdue``,
``reference``, ``pipeline``, ``live`` (the app includes them in that order, which is the order of the paths
in the OpenAPI document). ``params`` holds the view's filters (a dependency), ``export`` the CSV answer."""
