"""Provider adapters, built from settings (credentials and URLs) in the app factory."""

from __future__ import annotations

from dvc_payment.adapters.providers.base import HttpPort, Provider
from dvc_payment.adapters.providers.momo import MomoProvider
from dvc_payment.adapters.providers.paygov import PaygovProvider
from dvc_payment.adapters.providers.vnpay import VnpayProvider
from dvc_payment.config import Settings

PROVIDER_NAMES = ("vnpay", "momo", "paygov")


def build_providers(settings: Settings, http: HttpPort) -> dict[str, Provider]:
    max_age = settings.callback_max_age_seconds
    every: dict[str, Provider] = {
        "vnpay": VnpayProvider(
            tmn_code=settings.vnpay_tmn_code,
            hash_secret=settings.vnpay_hash_secret.get_secret_value(),
            pay_url=settings.vnpay_pay_url,
            api_url=settings.vnpay_api_url,
            http=http,
            max_age_s=max_age,
        ),
        "momo": MomoProvider(
            partner_code=settings.momo_partner_code,
            access_key=settings.momo_access_key,
            secret_key=settings.momo_secret_key.get_secret_value(),
            endpoint=settings.momo_endpoint,
            http=http,
            max_age_s=max_age,
        ),
        "paygov": PaygovProvider(
            merchant_id=settings.paygov_merchant_id,
            secret=settings.paygov_secret.get_secret_value(),
            endpoint=settings.paygov_endpoint,
            http=http,
            max_age_s=max_age,
        ),
    }
    unknown = set(settings.enabled_providers) - set(every)
    if unknown:
        raise ValueError(f"unknown payment providers in PAYMENT_PROVIDERS: {', '.join(sorted(unknown))}")
    return {name: every[name] for name in settings.enabled_providers}
