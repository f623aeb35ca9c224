"""How events fold into the read model: pure functions, no I/O.

Every read-model row is a function of the *set* of events seen for its key, not of their arrival order
across topics, so a replay from offset 0 (which interleaves topics differently) rebuilds the same rows:

- a dossier's current status is the one of its status event with the highest ``(sequence, occurred_at,
  event id)``; a late, older sequence is recorded in history (``late``) but does not move the status;
- descriptive fields come from ``dossier-submitted`` when there is one, else from the current status event;
- the responsible agency and the due date come from the most recent of: the current status event, the latest
  forward, the submission (by their times);
- a cross-agency dossier is one row keyed on its code: ``dossier-forwarded`` never makes a new dossier.

Aggregates are sums of per-row *contributions* (``contributions(row)``); when a row changes, the store adds
``contributions(new) - contributions(old)``, so aggregates always equal what a full recount would give.

The modules: ``state`` (the state dataclasses' plumbing and where a province code belongs), ``aggregates``
(the aggregate tables and contribution arithmetic), then one module per kind of row: ``procedures``,
``dossiers``, ``payments``, ``fines``, ``feedback``, ``sms``, and ``health`` (the pipeline-health rows).
"""
