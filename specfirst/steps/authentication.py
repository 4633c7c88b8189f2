"""Step ``authentication``: security dependencies from the security schemes (``app/core/security.py``).

Each scheme becomes FastAPI's own security class (so FastAPI publishes it) plus a verifier
that checks the credential against the environment (``<SCHEME>_KEYS``) in constant time.
Each distinct requirement list becomes one ``require_...`` dependency: OR across
requirement objects, AND inside one, exactly as OpenAPI defines them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from specfirst import naming
from specfirst.ir import Api, Operation, SecurityRequirement, SecurityScheme
from specfirst.pytypes import py_literal
from specfirst.render import StepContext
from specfirst.writer import OutputFile

NAME = "authentication"
DESCRIPTION = "security scheme dependencies and per-operation requirements"

_FLOW_CLASSES = {
    "implicit": "OAuthFlowImplicit",
    "password": "OAuthFlowPassword",
    "clientCredentials": "OAuthFlowClientCredentials",
    "authorizationCode": "OAuthFlowAuthorizationCode",
}


@dataclass
class SchemeDef:
    name: str  # spec name
    py_name: str
    kind: str  # api_key, bearer, basic, http, oauth2, open_id_connect, mutual_tls
    constructor: (
        str | None
    )  # Python expression building FastAPI's security object (None: FastAPI has none)
    env_var: str

    @property
    def verifies(self) -> str:
        """What the verifier checks, as comment text (scheme names are document text)."""
        if self.constructor is None:
            return f"{self.name}: a client certificate (mutual TLS; FastAPI cannot publish it)"
        return f"{self.name}: {self.kind}"


@dataclass
class RequirementDef:
    function: str
    description: str  # the requirement, as comment text
    params: list[
        tuple[str, str, str, list[str]]
    ]  # (param, scheme py_name, scheme spec name, scopes)
    groups: list[list[str]]  # per requirement object: the params that must all be present
    challenge: str | None = None  # WWW-Authenticate value for refusals (HTTP schemes only)


@dataclass
class SecurityModule:
    schemes: list[SchemeDef] = field(default_factory=list)
    requirements: list[RequirementDef] = field(default_factory=list)


def env_var(scheme_name: str) -> str:
    """``apiKeyAuth`` -> ``API_KEY_AUTH_KEYS``: where the accepted credentials come from."""
    return naming.env_var_for_scheme(scheme_name)


def requirement_key(requirements: list[SecurityRequirement]) -> str:
    return py_literal([sorted((k, list(v)) for k, v in req.items()) for req in requirements])


def _scheme_def(s: SecurityScheme) -> SchemeDef | None:
    common = [f"scheme_name={py_literal(s.name)}"]
    if s.description is not None:
        common.append(f"description={py_literal(s.description)}")
    common.append("auto_error=False")
    if s.type == "apiKey":
        cls = {"header": "APIKeyHeader", "query": "APIKeyQuery", "cookie": "APIKeyCookie"}[
            s.location or "header"
        ]
        ctor = f"{cls}(name={py_literal(s.param_name)}, {', '.join(common)})"
        kind = "api_key"
    elif s.type == "http" and (s.scheme or "").lower() == "bearer":
        fmt = [f"bearerFormat={py_literal(s.bearer_format)}"] if s.bearer_format else []
        ctor = f"HTTPBearer({', '.join(fmt + common)})"
        kind = "bearer"
    elif s.type == "http" and (s.scheme or "").lower() == "basic":
        ctor = f"HTTPBasic({', '.join(common)})"
        kind = "basic"
    elif s.type == "http":
        ctor = f"HTTPBase(scheme={py_literal(s.scheme)}, {', '.join(common)})"
        kind = "http"
    elif s.type == "oauth2":
        flows = []
        for flow in s.flows:
            args = []
            if flow.authorization_url is not None:
                args.append(f"authorizationUrl={py_literal(flow.authorization_url)}")
            if flow.token_url is not None:
                args.append(f"tokenUrl={py_literal(flow.token_url)}")
            if flow.refresh_url is not None:
                args.append(f"refreshUrl={py_literal(flow.refresh_url)}")
            args.append(f"scopes={py_literal(flow.scopes)}")
            if flow.extensions:  # FastAPI's flow models keep extra keys: published as written
                args.append(f"**{py_literal(flow.extensions)}")
            flows.append(f"{flow.kind}={_FLOW_CLASSES[flow.kind]}({', '.join(args)})")
        ctor = f"OAuth2(flows=OAuthFlows({', '.join(flows)}), {', '.join(common)})"
        kind = "oauth2"
    elif s.type == "openIdConnect":
        ctor = f"OpenIdConnect(openIdConnectUrl={py_literal(s.open_id_connect_url)}, {', '.join(common)})"
        kind = "open_id_connect"
    elif s.type == "mutualTLS":
        # FastAPI has no class for it (its OpenAPI model cannot publish one): the verifier reads
        # the client certificate the TLS layer verified, from the ASGI scope.
        return SchemeDef(
            name=s.name,
            py_name=s.py_name,
            kind="mutual_tls",
            constructor=None,
            env_var=env_var(s.name),
        )
    else:
        return None
    if s.extensions:
        ctor = f"with_extensions({ctor}, {py_literal(s.extensions)})"
    return SchemeDef(
        name=s.name, py_name=s.py_name, kind=kind, constructor=ctor, env_var=env_var(s.name)
    )


def _requirement_functions(api: Api) -> dict[str, RequirementDef]:
    """One dependency per distinct effective requirement list, named after its schemes."""
    result: dict[str, RequirementDef] = {}
    scope = naming.NameScope(reserved=frozenset(s.py_name for s in api.security_schemes.values()))
    for op in _all_operations(api):
        if not op.effective_security:
            continue
        key = requirement_key(op.effective_security)
        if key in result:
            continue
        names = [
            "_and_".join(naming.snake(n) for n in req) or "anonymous"
            for req in op.effective_security
        ]
        function = scope.claim("require_" + "_or_".join(names))
        params: list[tuple[str, str, str, list[str]]] = []
        groups: list[list[str]] = []
        param_scope = naming.NameScope(reserved=frozenset({"request"}))
        for req in op.effective_security:
            group = []
            for scheme_name, scopes in req.items():
                scheme = api.security_schemes.get(scheme_name)
                if scheme is None:  # undefined (a loader warning): this alternative refuses all
                    group.append("None")
                    continue
                param = param_scope.claim(scheme.py_name)
                params.append((param, scheme.py_name, scheme_name, list(scopes)))
                group.append(param)
            groups.append(group)
        described = " or ".join(" and ".join(req) or "anonymous" for req in op.effective_security)
        challenges = [
            _challenge(api.security_schemes[name])
            for req in op.effective_security
            for name in req
            if name in api.security_schemes
        ]
        challenge = ", ".join(dict.fromkeys(c for c in challenges if c)) or None
        result[key] = RequirementDef(
            function=function,
            description=described,
            params=params,
            groups=groups,
            challenge=challenge,
        )
    return result


def _challenge(scheme: SecurityScheme) -> str | None:
    """What ``WWW-Authenticate`` says when a scheme refuses (RFC 7235; API keys have none)."""
    if scheme.type == "http" and (scheme.scheme or "").lower() == "basic":
        return 'Basic realm="api"'
    if scheme.type == "http" and scheme.scheme:
        return scheme.scheme.capitalize()
    if scheme.type in ("oauth2", "openIdConnect"):
        return "Bearer"
    return None


def _all_operations(api: Api) -> list[Operation]:
    ops = list(api.operations)
    for hooks in api.webhooks.values():
        ops.extend(hooks)
    return ops


def requirement_function_name(api: Api, op: Operation) -> str:
    return _requirement_functions_cached(api)[requirement_key(op.effective_security)].function


_CACHE_ATTR = "_specfirst_requirement_functions"


def _requirement_functions_cached(api: Api) -> dict[str, RequirementDef]:
    cached = getattr(api, _CACHE_ATTR, None)
    if cached is None:
        cached = _requirement_functions(api)
        setattr(api, _CACHE_ATTR, cached)
    return cached


def generate(ctx: StepContext) -> list[OutputFile]:
    module = SecurityModule()
    for scheme in ctx.api.security_schemes.values():
        definition = _scheme_def(scheme)
        if definition is not None:
            module.schemes.append(definition)
    module.requirements = list(_requirement_functions_cached(ctx.api).values())
    return [
        ctx.render(
            "app/core/security.py.j2",
            "app/core/security.py",
            header=ctx.header("Security schemes and the requirement of every operation."),
            module=module,
        )
    ]
