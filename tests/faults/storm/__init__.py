"""The fault storm of issue 14 (``make faults``): load through the real services on a three-node Apache Kafka
cluster and PostgreSQL while brokers, services and the database are killed, cut off and restarted; then every
invariant counted against the generator's own ledger. Sizes: :mod:`.config`; entry: :func:`.runner.run_storm`."""
