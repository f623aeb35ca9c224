"""Development and test tools of the kit: never imported by a service's own code (tests/test_dev_boundary.py).

- the dev/test Kafka broker: ``broker`` (:class:`~dvckit.dev.broker.DevBroker`), ``broker_kinds`` (which broker),
  ``broker_process`` (ports, processes), ``broker_wire`` (the Kafka probe, topics), ``broker_kafka`` (Apache
  Kafka and testcontainers), ``broker_tansu`` (Tansu, moto S3, noida-db), ``broker_cluster`` (three nodes),
  ``broker_cli`` (``dvc-devbroker``); ``apache_kafka`` (Apache Kafka 4.x from Maven Central;
  ``apache_kafka_dist``: its jars and Java);
- ``testing`` (PostgreSQL: ``testing_postgres``, service processes: ``testing_services``, in-process apps,
  clock pins), ``oidc_fake`` (a small OpenID Provider);
- ``keycloak``, ``keycloak_server``, ``keycloak_conf``, ``keycloak_dist``, ``keycloak_realm``,
  ``keycloak_keys`` (the development OpenID Provider), ``devstack`` (``make run``'s URLs).

The old paths (``dvckit.devbroker``, ``dvckit.testing``, ``dvckit.keycloak`` …) re-export these modules' names.
"""
