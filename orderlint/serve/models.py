"""Pydantic v2 models of CDS Hooks 2.0 (https://cds-hooks.hl7.org/2.0/), from the spec's logical
models (CDSHooksRequest, CDSHooksResponse, CDSHooksServices, CDSHooksFeedback) and invariants.

The request models accept what the spec allows (extra members are kept: hooks define their own
context, and requests may carry an ``extension``); the response models are strict (``extra =
forbid``) and add the project's rules: summary under 140 characters, no null or empty value
anywhere (services.md section 1), so every response the service sends can be checked.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from orderlint.fhir.r4 import FHIR_ID


def _no_empty(value: Any, where: str = "") -> None:
    """No member may be null or empty ("", [], {}): optional elements are left out."""
    if value is None or value == "" or value == [] or value == {}:
        raise ValueError(f"{where or 'value'} is null or empty")
    if isinstance(value, dict):
        for k, v in value.items():
            _no_empty(v, f"{where}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_empty(v, f"{where}/{i}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


# ----------------------------------------------------------------------------- request
class FhirAuthorization(_Open):
    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer"]
    expires_in: int = Field(gt=0)
    scope: str = Field(min_length=1)
    subject: str = Field(min_length=1)
    patient: Optional[str] = None

    @model_validator(mode="after")
    def _patient_scopes(self) -> "FhirAuthorization":
        # Spec: patient is required when the granted SMART scopes include patient scopes.
        if "patient/" in self.scope and not self.patient:
            raise ValueError("fhirAuthorization.patient is required with patient/ scopes")
        return self


class CDSHooksRequest(_Open):
    hook: str = Field(min_length=1)
    hookInstance: str = Field(min_length=1)
    fhirServer: Optional[str] = None
    fhirAuthorization: Optional[FhirAuthorization] = None
    context: dict[str, Any]
    prefetch: Optional[dict[str, Any]] = None
    extension: Optional[dict[str, Any]] = None

    @model_validator(mode="after")
    def _auth_needs_server(self) -> "CDSHooksRequest":
        # Spec: fhirAuthorization is conditional on fhirServer.
        if self.fhirAuthorization is not None and not self.fhirServer:
            raise ValueError("fhirAuthorization requires fhirServer")
        return self


class _Bundle(_Open):
    resourceType: Literal["Bundle"]
    entry: Optional[list[dict[str, Any]]] = None

    @field_validator("entry")
    @classmethod
    def _resources(cls, v: Optional[list[dict[str, Any]]]) -> Optional[list[dict[str, Any]]]:
        for i, e in enumerate(v or ()):
            r = e.get("resource")
            if not isinstance(r, dict) or not isinstance(r.get("resourceType"), str):
                raise ValueError(f"entry {i} holds no FHIR resource")
        return v


def patient_id(v: str) -> str:
    """The Patient id of ``context.patientId`` as the FHIR mapping reads it ('Patient/p1', a URL
    ending so, or the id; surrounding spaces dropped)."""
    from orderlint.fhir.mapping import _ref_id

    return _ref_id(v)


class OrderSignContext(_Open):
    """order-sign (CDS Hooks library): userId, patientId, draftOrders required."""

    userId: str = Field(min_length=1)
    patientId: str = Field(min_length=1)
    encounterId: Optional[str] = None
    draftOrders: _Bundle

    @field_validator("patientId")
    @classmethod
    def _a_patient_id(cls, v: str) -> str:
        # The FHIR Patient.id (also read as 'Patient/<id>' or a URL ending so, as the mapping does): a
        # blank one, or one that is no FHIR id, named no patient, and the suggested orders were for
        # 'Patient/ '.
        if FHIR_ID.fullmatch(patient_id(v)) is None:
            raise ValueError("must be a FHIR Patient id (1-64 letters, digits, '-' or '.')")
        return v


class OrderSelectContext(OrderSignContext):
    """order-select: adds ``selections`` (references to the newly selected draft orders)."""

    selections: list[str] = Field(min_length=1)


# ----------------------------------------------------------------------------- response
class Coding(_Strict):
    code: str = Field(min_length=1)
    system: Optional[str] = None
    display: Optional[str] = None


class OverrideReason(Coding):
    display: str = Field(min_length=1)  # invariant: override reasons have a display


class Source(_Strict):
    label: str = Field(min_length=1)
    url: Optional[str] = None
    icon: Optional[str] = None
    topic: Optional[Coding] = None


class Action(_Strict):
    type: Literal["create", "update", "delete"]
    description: str = Field(min_length=1)
    resource: Optional[dict[str, Any]] = None
    resourceId: Optional[str] = None

    @model_validator(mode="after")
    def _shape(self) -> "Action":
        if self.type == "delete" and not self.resourceId:
            raise ValueError("a delete action needs resourceId")
        if self.type in ("create", "update") and not self.resource:
            raise ValueError(f"a {self.type} action needs resource")
        return self


class Suggestion(_Strict):
    label: str = Field(min_length=1)
    uuid: Optional[str] = None
    isRecommended: Optional[bool] = None
    actions: Optional[list[Action]] = None


class Link(_Strict):
    label: str = Field(min_length=1)
    url: str = Field(min_length=1)
    type: Literal["absolute", "smart"]
    appContext: Optional[str] = None

    @model_validator(mode="after")
    def _app_context(self) -> "Link":
        if self.appContext is not None and self.type != "smart":
            raise ValueError("appContext only on smart links")
        return self


class Card(_Strict):
    uuid: Optional[str] = None
    summary: str = Field(min_length=1, max_length=139)
    detail: Optional[str] = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: Optional[list[Suggestion]] = None
    selectionBehavior: Optional[Literal["at-most-one", "any"]] = None
    overrideReasons: Optional[list[OverrideReason]] = None
    links: Optional[list[Link]] = None

    @model_validator(mode="after")
    def _suggestions(self) -> "Card":
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("suggestions require selectionBehavior")
        if self.selectionBehavior == "at-most-one" and sum(bool(s.isRecommended) for s in self.suggestions or ()) > 1:
            raise ValueError("at-most-one allows one isRecommended suggestion")
        return self


class SystemAction(Action):
    description: Optional[str] = None  # type: ignore[assignment]


class CDSHooksResponse(_Strict):
    cards: list[Card]
    systemActions: Optional[list[SystemAction]] = None


# ----------------------------------------------------------------------------- discovery
class Service(_Strict):
    hook: str = Field(min_length=1)
    title: Optional[str] = None
    description: str = Field(min_length=1)
    id: str = Field(min_length=1)
    prefetch: Optional[dict[str, str]] = None
    usageRequirements: Optional[str] = None


class CDSHooksServices(_Strict):
    services: list[Service]


# ----------------------------------------------------------------------------- feedback
class AcceptedSuggestion(_Open):
    id: str = Field(min_length=1)


class FeedbackCoding(_Open):
    code: str = Field(min_length=1)
    system: Optional[str] = None
    display: Optional[str] = None


class OverrideReasonFeedback(_Open):
    reason: Optional[FeedbackCoding] = None
    userComment: Optional[str] = None

    @model_validator(mode="after")
    def _something(self) -> "OverrideReasonFeedback":
        if self.reason is None and not self.userComment:
            raise ValueError("overrideReason needs a reason or a userComment")
        return self


#: RFC 3339 section 5.6 date-time, as CDS Hooks' Feedback asks of outcomeTimestamp: a date, a time
#: and an offset (Z or +hh:mm); an instant, never a local time.
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
#: How far ahead of the service's clock an outcome may be (clock drift between EHR and service).
FUTURE_LEEWAY = _dt.timedelta(minutes=5)


def outcome_instant(text: str) -> _dt.datetime:
    """outcomeTimestamp as a UTC datetime; ValueError when it is not an RFC 3339 date-time."""
    if not _INSTANT.fullmatch(text):
        raise ValueError(f"outcomeTimestamp {text[:40]!r} is not an RFC 3339 date-time with an offset (e.g. 2026-03-02T10:05:31Z)")
    frac = re.search(r"\.(\d+)", text)
    if frac and len(frac.group(1)) > 6:  # fromisoformat reads up to microseconds
        text = text.replace(frac.group(0), "." + frac.group(1)[:6])
    try:
        return _dt.datetime.fromisoformat(text.replace("z", "Z").replace("t", "T")).astimezone(_dt.timezone.utc)
    except ValueError:
        raise ValueError(f"outcomeTimestamp {text[:40]!r} is not a date and time that exists") from None
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before the first instant a datetime holds (a 500 before)
        raise ValueError(f"outcomeTimestamp {text[:40]!r} is outside the years 1 to 9999 in UTC") from None


#: Card outcomes one feedback request may report.
MAX_FEEDBACK_ITEMS = 1000


class FeedbackItem(_Open):
    card: str = Field(min_length=1, max_length=200)  # a card uuid (36 characters): a 4 MB one was stored
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: Optional[list[AcceptedSuggestion]] = None
    overrideReason: Optional[OverrideReasonFeedback] = None
    outcomeTimestamp: str = Field(min_length=1)

    @field_validator("outcomeTimestamp")
    @classmethod
    def _instant(cls, v: str) -> str:
        at = outcome_instant(v)
        if at > _dt.datetime.now(_dt.timezone.utc) + FUTURE_LEEWAY:
            raise ValueError(f"outcomeTimestamp {v!r} is in the future")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "FeedbackItem":
        if self.outcome == "accepted" and not self.acceptedSuggestions:
            raise ValueError("an accepted outcome needs acceptedSuggestions")
        if self.outcome == "accepted" and self.overrideReason is not None:
            raise ValueError("overrideReason only with outcome overridden")
        if self.outcome == "overridden" and self.acceptedSuggestions:
            raise ValueError("acceptedSuggestions only with outcome accepted")
        return self


class CDSHooksFeedback(_Open):
    # At most as many outcomes as one request's cards could give: 20,000 unknown card ids a request
    # were each stored, and the database grew without bound.
    feedback: list[FeedbackItem] = Field(min_length=1, max_length=MAX_FEEDBACK_ITEMS)


# ----------------------------------------------------------------------------- checks used by tests
def check_response(data: Any) -> CDSHooksResponse:
    """Validate a service response: the model, and no null or empty value anywhere."""
    _no_empty_top(data)
    return CDSHooksResponse.model_validate(data)


def check_discovery(data: Any) -> CDSHooksServices:
    _no_empty_top(data)
    return CDSHooksServices.model_validate(data)


def _no_empty_top(data: Any) -> None:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    for k, v in data.items():
        if k == "cards" and v == []:
            continue  # {"cards": []}: the spec's "nothing to say"
        _no_empty(v, f"/{k}")
