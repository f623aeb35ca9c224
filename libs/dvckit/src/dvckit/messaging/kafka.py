"""Kafka clients built from settings: the FastStream broker (consuming) and the relay's producer."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from prometheus_client import REGISTRY

from dvckit.settings import KafkaSettings


def _ssl_context(k: KafkaSettings) -> ssl.SSLContext | None:
    if "SSL" not in k.security_protocol:
        return None
    ctx = ssl.create_default_context(cafile=k.ssl_cafile)
    if k.ssl_certfile:
        ctx.load_cert_chain(k.ssl_certfile, k.ssl_keyfile)
    return ctx


def client_kwargs(k: KafkaSettings) -> dict[str, Any]:
    """aiokafka connection keyword arguments (TLS / SASL per settings)."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": k.servers,
        "security_protocol": k.security_protocol,
        "request_timeout_ms": k.request_timeout_ms,
    }
    ctx = _ssl_context(k)
    if ctx is not None:
        kwargs["ssl_context"] = ctx
    if k.sasl_mechanism:
        kwargs |= {
            "sasl_mechanism": k.sasl_mechanism,
            "sasl_plain_username": k.sasl_username,
            "sasl_plain_password": k.sasl_password,
        }
    return kwargs


def _security(k: KafkaSettings) -> BaseSecurity | None:
    ctx = _ssl_context(k)
    use_ssl = ctx is not None
    if k.sasl_mechanism and k.sasl_username and k.sasl_password:
        cls: Any = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}[
            k.sasl_mechanism.upper()
        ]
        return cls(username=k.sasl_username, password=k.sasl_password, use_ssl=use_ssl, ssl_context=ctx)
    if use_ssl:
        return BaseSecurity(ssl_context=ctx, use_ssl=True)
    return None


def make_broker(k: KafkaSettings, *, client_id: str, description: str | None = None) -> KafkaBroker:
    return KafkaBroker(
        k.servers,
        security=_security(k),
        client_id=client_id,
        acks="all",
        request_timeout_ms=k.request_timeout_ms,
        description=description,
        graceful_timeout=10.0,
        logger=logging.getLogger(
            "dvc.faststream"
        ),  # through the kit's renderer (dvckit.logging), not its own
        log_level=logging.DEBUG,  # FastStream's per-message "Received/Processed" lines stay at DEBUG
        # faststream_received_messages_total, ..._processed_messages_duration_seconds, per handler
        middlewares=(KafkaPrometheusMiddleware(registry=REGISTRY, app_name=client_id),),
    )


def make_producer(k: KafkaSettings, *, client_id: str) -> AIOKafkaProducer:
    kwargs = client_kwargs(k)
    return AIOKafkaProducer(
        **kwargs,
        client_id=client_id,
        acks="all",
        enable_idempotence=k.idempotence,
        linger_ms=2,
        max_batch_size=65536,
    )


async def topic_partitions(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of ``topics`` that exist, for a consumer that assigns partitions itself.

    aiokafka keeps metadata only for the topics a client follows; Tansu answered with every topic anyway, Apache
    Kafka (Metadata v1+) does not, so ask for the cluster's metadata once before reading it."""
    await consumer._client.force_metadata_update()
    return [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
