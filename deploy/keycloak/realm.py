"""The development OpenID Provider's realm ``dvc``: renders deploy/keycloak/realm-dvc.json (Keycloak's import
format) from the agency registry (dvc_contracts.agencies.SYSTEMS), the province list (dvc_contracts.units) and
the short tables below. Do not edit the JSON by hand.

    python -m deploy.keycloak.realm            # (or python deploy/keycloak/realm.py) write realm-dvc.json
    python -m deploy.keycloak.realm --check    # exit 1 when the committed file is stale

What the tokens carry (the kit's dvckit.auth.jwt reads them; see deploy/keycloak/README.md):

- ``sub``: Keycloak's user id, a UUID fixed here (a name-based UUID of the username, of the client for a
  service account), so a person's or system's subject stays the same across restarts and fresh instances;
  ``citizen_id``: a citizen's 12-digit personal identification number (số định danh cá nhân, the CCCD
  number; attribute). Keycloak wants its ids to be UUIDs ("not a valid key ... future migration might fail"
  otherwise), so the CCCD number is a claim of its own rather than the subject.
- ``role``: citizen | operator | agency (one string, from the user's ``role`` attribute, which mirrors the
  realm role; hardcoded on agency clients); ``name``: the full name in Vietnamese order
  (attribute ``full_name``); ``province``: the 2-digit code of today's province (attribute, or hardcoded on
  agency clients; absent = national); ``loa``: level of assurance of the person's identity, 1 basic / 2 high
  (attribute; people only); ``phone``; ``agency``/``agency_system``: an agency client's agency code and
  registry system.
- ``aud``: the services the client may call. Each service has a client scope of its name carrying an audience
  mapper; a client's default scopes list the services it calls, and each service accepts a token only when
  its own name (AUTH_AUDIENCE) is among them. ``role`` and the other claims go into access tokens only, never
  ID tokens, so an ID token (aud = the client id) is never taken for an access token.
- Agency systems: one confidential client per (system, agency code, province) of the registry — a
  nationwide system (provinces None) has one per agency code, without a province claim — because a token
  names exactly one agency and at most one province, and dossier's HTTP ingest binds every report to them.
  Its service account's tokens (client credentials) carry role=agency and aud=dossier only.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[2]
try:
    from dvc_contracts import agencies as registry
    from dvc_contracts import units
except ModuleNotFoundError:  # run with a bare interpreter (deploy/validate.sh's venv): no workspace packages
    sys.path.insert(0, str(ROOT / "contracts" / "src"))
    from dvc_contracts import agencies as registry
    from dvc_contracts import units

OUT: Final = Path(__file__).resolve().parent / "realm-dvc.json"
REALM: Final = "dvc"
DEV_PASSWORD: Final = "dvc-dev-2025"  # every test user's password: development only
ROLES: Final = {"citizen": "Công dân", "operator": "Cán bộ vận hành", "agency": "Hệ thống của cơ quan"}
# The services (resource servers): each is an audience, and a client of the same name.
SERVICES: Final = ("catalog", "dossier", "payment", "feedback", "notify", "reporting", "portal")
ACCESS_TOKEN_SECONDS: Final = 300


@dataclass(frozen=True)
class WebClient:
    """A service's web front where people sign in: authorization code + PKCE (S256), confidential (the
    token stays on the service's server), no direct access grants."""

    id: str
    port: int
    audiences: tuple[str, ...]
    description: str


WEB_CLIENTS: Final = (
    WebClient(
        "portal",
        8006,
        ("portal", "catalog", "dossier", "payment", "feedback", "notify"),
        "Cổng Dịch vụ công — citizens' web front (forwards the citizen's token to the services)",
    ),
    WebClient(
        "reporting",
        8000,
        ("reporting", "catalog", "dossier", "payment", "feedback", "notify"),
        "Operators' dashboard and API (reporting), the operators' way into the other services",
    ),
)
AGENCY_AUDIENCES: Final = ("dossier",)  # agency systems call the HTTP ingest (POST /agency/status-events)


@dataclass(frozen=True)
class User:
    username: str
    full_name: str  # Họ, chữ đệm và tên, as written
    family_name: str
    given_name: str  # chữ đệm + tên
    role: str
    loa: int
    province: str | None = None  # operators: the province they work for (None: national)
    phone: str | None = None
    citizen_id: str | None = None  # citizens: số định danh cá nhân (12 digits)


USERS: Final = (
    User("nguyenvanan", "Nguyễn Văn An", "Nguyễn", "Văn An", "citizen", 2, None, "0912345678",
         "001099012345"),
    User("tranthibinh", "Trần Thị Bình", "Trần", "Thị Bình", "citizen", 1, None, "0987654321",
         "079185004321"),
    User("levanhung", "Lê Văn Hùng", "Lê", "Văn Hùng", "operator", 2, "01"),
    User("phamthilan", "Phạm Thị Lan", "Phạm", "Thị Lan", "operator", 2, "79"),
    User("hoangvannam", "Hoàng Văn Nam", "Hoàng", "Văn Nam", "operator", 2),
)  # fmt: skip


@dataclass(frozen=True)
class AgencyClient:
    client_id: str
    system: registry.AgencySystem
    agency: str
    province: str | None  # None: nationwide


def agency_clients() -> list[AgencyClient]:
    """One client per (system, agency code, province) of the registry; one per code for a nationwide one."""
    out = []
    for s in registry.SYSTEMS:
        for code in sorted(s.agency_codes):
            for province in sorted(s.provinces) if s.provinces is not None else [None]:
                suffix = f"-{province}" if province else ""
                out.append(AgencyClient(f"agency-{s.id}-{code.lower()}{suffix}", s, code, province))
    ids = [c.client_id for c in out]
    if len(set(ids)) != len(ids):
        raise ValueError(f"agency client ids collide: {sorted(i for i in ids if ids.count(i) > 1)}")
    return out


def client_secret(client_id: str) -> str:
    """A fixed development secret (the realm file is public: never a production secret)."""
    return f"dev-{client_id}-{hashlib.sha256(client_id.encode()).hexdigest()[:12]}"


def stable_id(kind: str, name: str) -> str:
    """A fixed Keycloak id (the token's sub): a name-based UUID of a user's username or a service account's
    client id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://dichvucong.gov.vn/dev-keycloak/{kind}/{name}"))


# --- mappers ------------------------------------------------------------------------------------------------


def _claim_flags(*, id_token: bool = False, userinfo: bool = True) -> dict[str, str]:
    return {
        "access.token.claim": "true",
        "id.token.claim": str(id_token).lower(),
        "userinfo.token.claim": str(userinfo).lower(),
        "introspection.token.claim": "true",
    }


def _attribute_mapper(
    name: str, attribute: str, claim: str, json_type: str = "String", **flags: bool
) -> dict:
    return {
        "name": name,
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-attribute-mapper",
        "consentRequired": False,
        "config": {
            "user.attribute": attribute,
            "claim.name": claim,
            "jsonType.label": json_type,
            "multivalued": "false",
            "aggregate.attrs": "false",
            **_claim_flags(**flags),
        },
    }


def _hardcoded_mapper(claim: str, value: str) -> dict:
    return {
        "name": f"hardcoded {claim}",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-hardcoded-claim-mapper",
        "consentRequired": False,
        "config": {"claim.name": claim, "claim.value": value, "jsonType.label": "String", **_claim_flags()},
    }


def _scope(name: str, description: str, mappers: list[dict], *, in_token_scope: bool = False) -> dict:
    return {
        "name": name,
        "description": description,
        "protocol": "openid-connect",
        "attributes": {
            "include.in.token.scope": str(in_token_scope).lower(),
            "display.on.consent.screen": "false",
        },
        "protocolMappers": mappers,
    }


def client_scopes() -> list[dict]:
    """Every scope of the realm, explicitly (an import that lists scopes gets no built-in ones)."""
    basic = _scope(
        "basic",
        "sub and auth_time (Keycloak's built-in basic scope)",
        [
            {
                "name": "sub",
                "protocol": "openid-connect",
                "protocolMapper": "oidc-sub-mapper",
                "consentRequired": False,
                "config": {"access.token.claim": "true", "introspection.token.claim": "true"},
            },
            {
                "name": "auth_time",
                "protocol": "openid-connect",
                "protocolMapper": "oidc-usersessionmodel-note-mapper",
                "consentRequired": False,
                "config": {
                    "user.session.note": "AUTH_TIME",
                    "claim.name": "auth_time",
                    "jsonType.label": "long",
                    "id.token.claim": "true",
                    "access.token.claim": "true",
                    "introspection.token.claim": "true",
                },
            },
        ],
    )
    dvc = _scope(
        "dvc",
        "The portal's claims: role, name, province, loa, phone, citizen_id, agency (in access tokens)",
        [
            _attribute_mapper("role", "role", "role"),
            _attribute_mapper("name", "full_name", "name", id_token=True),
            _attribute_mapper("province", "province", "province"),
            _attribute_mapper("loa", "loa", "loa", "int"),
            _attribute_mapper("phone", "phone", "phone"),
            _attribute_mapper("citizen_id", "citizen_id", "citizen_id"),
            _attribute_mapper("agency", "agency", "agency"),
        ],
    )
    profile = _scope(
        "profile",
        "OpenID Connect profile: given/family name and username (the full name is the dvc scope's name)",
        [
            _attribute_mapper("given name", "firstName", "given_name", id_token=True),
            _attribute_mapper("family name", "lastName", "family_name", id_token=True),
            _attribute_mapper("username", "username", "preferred_username", id_token=True),
            _attribute_mapper("locale", "locale", "locale", id_token=True),
        ],
        in_token_scope=True,
    )
    email = _scope(
        "email",
        "OpenID Connect email",
        [
            _attribute_mapper("email", "email", "email", id_token=True),
            {
                "name": "email verified",
                "protocol": "openid-connect",
                "protocolMapper": "oidc-usermodel-property-mapper",
                "consentRequired": False,
                "config": {
                    "user.attribute": "emailVerified",
                    "claim.name": "email_verified",
                    "jsonType.label": "boolean",
                    **_claim_flags(id_token=True),
                },
            },
        ],
        in_token_scope=True,
    )
    audiences = [
        _scope(
            svc,
            f"Calls the {svc} service: adds {svc!r} to the access token's aud",
            [
                {
                    "name": f"audience {svc}",
                    "protocol": "openid-connect",
                    "protocolMapper": "oidc-audience-mapper",
                    "consentRequired": False,
                    "config": {
                        "included.client.audience": svc,
                        "access.token.claim": "true",
                        "id.token.claim": "false",
                        "introspection.token.claim": "true",
                    },
                }
            ],
            in_token_scope=True,
        )
        for svc in SERVICES
    ]
    return [basic, dvc, profile, email, *audiences]


# --- clients ------------------------------------------------------------------------------------------------


def _client(client_id: str, name: str, description: str, **fields: Any) -> dict:
    base: dict[str, Any] = {
        "clientId": client_id,
        "name": name,
        "description": description,
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": False,
        "clientAuthenticatorType": "client-secret",
        "secret": client_secret(client_id),
        "bearerOnly": False,
        "consentRequired": False,
        "standardFlowEnabled": False,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": False,
        "frontchannelLogout": False,
        "fullScopeAllowed": False,
        "redirectUris": [],
        "webOrigins": [],
        "attributes": {"oauth2.device.authorization.grant.enabled": "false", "use.refresh.tokens": "true"},
        "protocolMappers": [],
        "defaultClientScopes": ["basic", "dvc"],
        "optionalClientScopes": [],
    }
    return base | fields


def clients() -> list[dict]:
    out = []
    web = {w.id: w for w in WEB_CLIENTS}
    for svc in SERVICES:
        if svc in web:
            w = web[svc]
            uris = [f"http://127.0.0.1:{w.port}/*", f"http://localhost:{w.port}/*"]
            out.append(
                _client(
                    svc,
                    svc,
                    w.description,
                    rootUrl=f"http://127.0.0.1:{w.port}",
                    baseUrl="/",
                    standardFlowEnabled=True,
                    redirectUris=uris,
                    attributes={
                        "pkce.code.challenge.method": "S256",
                        "post.logout.redirect.uris": "##".join(uris),
                        "oauth2.device.authorization.grant.enabled": "false",
                        "use.refresh.tokens": "true",
                        "client_credentials.use_refresh_token": "false",
                    },
                    defaultClientScopes=["basic", "dvc", *w.audiences],
                    optionalClientScopes=["profile", "email"],
                )
            )
        else:  # a resource server: no flow of its own; it names the audience and may introspect tokens
            out.append(
                _client(svc, svc, f"The {svc} service (resource server: validates tokens for aud {svc})")
            )
    for a in agency_clients():
        mappers = [_hardcoded_mapper("role", "agency"), _hardcoded_mapper("agency", a.agency)]
        if a.province:
            mappers.append(_hardcoded_mapper("province", a.province))
        mappers.append(_hardcoded_mapper("agency_system", a.system.id))
        where = units.name(a.province) if a.province else "toàn quốc"
        out.append(
            _client(
                a.client_id,
                f"{a.agency} — {where}",
                f"{a.system.name}: agency {a.agency}, {where} (client credentials for the HTTP ingest)",
                serviceAccountsEnabled=True,
                protocolMappers=mappers,
                defaultClientScopes=["basic", "dvc", *AGENCY_AUDIENCES],
                attributes={
                    "oauth2.device.authorization.grant.enabled": "false",
                    "use.refresh.tokens": "false",
                    "client_credentials.use_refresh_token": "false",
                    "dvc.agency-system": a.system.id,
                },
            )
        )
    return out


# --- users --------------------------------------------------------------------------------------------------


def users() -> list[dict]:
    out: list[dict] = []
    for u in USERS:
        if u.role not in ROLES or u.loa not in (1, 2):
            raise ValueError(f"user {u.username}: role {u.role!r}, loa {u.loa!r}")
        if (u.role == "citizen") != bool(u.citizen_id and len(u.citizen_id) == 12 and u.citizen_id.isdigit()):
            raise ValueError(f"user {u.username}: a citizen, and only a citizen, has a 12-digit citizen_id")
        if u.province is not None and u.province not in units.CURRENT_CODES:
            raise ValueError(f"user {u.username}: {u.province!r} is not a current province code")
        attributes = {"role": [u.role], "full_name": [u.full_name], "loa": [str(u.loa)]}
        if u.province:
            attributes["province"] = [u.province]
        if u.phone:
            attributes["phone"] = [u.phone]
        if u.citizen_id:
            attributes["citizen_id"] = [u.citizen_id]
        out.append(
            {
                "id": stable_id("user", u.username),
                "username": u.username,
                "enabled": True,
                "emailVerified": False,
                "firstName": u.given_name,
                "lastName": u.family_name,
                "attributes": attributes,
                "credentials": [{"type": "password", "value": DEV_PASSWORD, "temporary": False}],
                "realmRoles": [u.role],
                "requiredActions": [],
            }
        )
    for a in agency_clients():
        out.append(
            {
                "id": stable_id("service-account", a.client_id),
                "username": f"service-account-{a.client_id}",
                "enabled": True,
                "serviceAccountClientId": a.client_id,
                "realmRoles": ["agency"],
                "attributes": {"role": ["agency"]},
            }
        )
    return out


def user_profile() -> dict:
    """The declarative user profile: the portal's attributes are managed, and only administrators may set
    them (a person cannot raise their own role or level of assurance in the account console)."""
    everyone = {"view": ["admin", "user"], "edit": ["admin", "user"]}
    admin_only = {"view": ["admin", "user"], "edit": ["admin"]}

    def attr(name: str, display: str, validations: dict, permissions: dict, **extra: Any) -> dict:
        return {
            "name": name,
            "displayName": display,
            "validations": validations,
            "permissions": permissions,
            "multivalued": False,
            **extra,
        }

    name_rules = {"length": {"max": 255}, "person-name-prohibited-characters": {}}
    return {
        "attributes": [
            attr(
                "username",
                "${username}",
                {
                    "length": {"min": 3, "max": 255},
                    "username-prohibited-characters": {},
                    "up-username-not-idn-homograph": {},
                },
                everyone,
            ),
            attr("email", "${email}", {"email": {}, "length": {"max": 255}}, everyone),
            attr("firstName", "${firstName}", name_rules, admin_only),
            attr("lastName", "${lastName}", name_rules, admin_only),
            attr("full_name", "Họ, chữ đệm và tên", name_rules, admin_only),
            attr(
                "role",
                "Vai trò",
                {"options": {"options": list(ROLES)}},
                {"view": ["admin"], "edit": ["admin"]},
                annotations={"inputType": "select"},
            ),
            attr(
                "province",
                "Tỉnh, thành phố (mã)",
                {"options": {"options": sorted(units.CURRENT_CODES)}},
                admin_only,
                annotations={"inputType": "select"},
            ),
            attr(
                "loa",
                "Mức độ bảo đảm định danh (1 cơ bản, 2 cao)",
                {"options": {"options": ["1", "2"]}},
                admin_only,
                annotations={"inputType": "select"},
            ),
            attr("phone", "Số điện thoại", {"pattern": {"pattern": r"^0\d{9}$"}}, everyone),
            attr("citizen_id", "Số định danh cá nhân", {"pattern": {"pattern": r"^\d{12}$"}}, admin_only),
            attr("agency", "Mã cơ quan", {"length": {"max": 64}}, {"view": ["admin"], "edit": ["admin"]}),
        ],
        "groups": [
            {
                "name": "user-metadata",
                "displayHeader": "User metadata",
                "displayDescription": "Attributes, which refer to user metadata",
            }
        ],
    }


def realm() -> dict:
    return {
        "realm": REALM,
        "enabled": True,
        "displayName": "Cổng Dịch vụ công",
        "attributes": {"dvc.generated-by": "deploy/keycloak/realm.py (do not edit realm-dvc.json by hand)"},
        "sslRequired": "external",
        "defaultSignatureAlgorithm": "RS256",
        "accessTokenLifespan": ACCESS_TOKEN_SECONDS,
        "accessCodeLifespan": 60,
        "accessCodeLifespanLogin": 1800,
        "ssoSessionIdleTimeout": 1800,
        "ssoSessionMaxLifespan": 28800,
        "revokeRefreshToken": True,
        "refreshTokenMaxReuse": 0,
        "registrationAllowed": False,
        "loginWithEmailAllowed": False,
        "duplicateEmailsAllowed": True,
        "resetPasswordAllowed": False,
        "editUsernameAllowed": False,
        "rememberMe": False,
        "bruteForceProtected": True,
        "permanentLockout": False,
        "failureFactor": 10,
        "internationalizationEnabled": True,
        "supportedLocales": ["vi", "en"],
        "defaultLocale": "vi",
        "roles": {"realm": [{"name": r, "description": d} for r, d in ROLES.items()]},
        "clientScopes": client_scopes(),
        "defaultDefaultClientScopes": ["basic", "dvc"],
        "defaultOptionalClientScopes": ["profile", "email"],
        "clients": clients(),
        "users": users(),
        "components": {
            "org.keycloak.userprofile.UserProfileProvider": [
                {
                    "providerId": "declarative-user-profile",
                    "subComponents": {},
                    "config": {"kc.user.profile.config": [json.dumps(user_profile(), ensure_ascii=False)]},
                }
            ]
        },
    }


def rendered() -> str:
    return json.dumps(realm(), ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str]) -> int:
    text = rendered()
    current = OUT.read_text(encoding="utf-8") if OUT.exists() else None
    if "--check" in argv:
        if current != text:
            print(f"stale: {OUT.relative_to(ROOT)} (run python -m deploy.keycloak.realm)")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({'changed' if current != text else 'unchanged'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
