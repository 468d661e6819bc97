"""What the IVR says and whom it dials: shared by both versions of the app."""

from __future__ import annotations

COMPANY = "Example Telecom"
WELCOME = f"Welcome to {COMPANY}."
MAIN_MENU = "For sales, press 1. For support, press 2. To speak to an operator, press 0."
NO_INPUT = "We did not receive your choice."
INVALID = "Sorry, that is not a valid option."
SALES_MENU = (
    "For a new order, press 1. For an existing order, press 2. "
    "To return to the main menu, press star."
)
SUPPORT_MENU = "Say internet or press 1. Say phone or press 2. To go back, press star."
SUPPORT_HINTS = ("internet", "phone", "main menu")
HOLD = "Please hold while we connect your call."
VOICEMAIL = "All our agents are busy. Please leave a message after the beep, then press pound."
NO_RECORDING = "We did not receive a message."
RECORDED = "Thank you, your message has been recorded."
GOODBYE = f"Thank you for calling {COMPANY}. Goodbye."

HOLD_MUSIC = "https://media.example.com/prompts/hold.wav"

#: Team -> (phone number, RestComm client) rung in parallel.
AGENTS = {
    "sales": ("+15550100001", "sales-desk"),
    "support": ("+15550100002", "support-desk"),
    "operator": ("+15550100000", "frontdesk"),
}


def team_of(raw: str | None) -> str:
    """The team a request asks for (``?team=``), the operator when unknown."""
    return raw if raw in AGENTS else "operator"


def support_choice(digits: str | None, speech: str | None) -> str | None:
    """The support line chosen by key or by voice: ``internet``, ``phone``, ``back`` or None."""
    said = (speech or "").lower()
    if digits == "1" or "internet" in said:
        return "internet"
    if digits == "2" or "phone" in said:
        return "phone"
    if digits == "*" or "menu" in said:
        return "back"
    return None
