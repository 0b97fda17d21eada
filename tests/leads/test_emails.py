"""Emails: the strict syntax rule, mailto, display names, several in one cell."""

from __future__ import annotations

import pytest

from leadsync.leads.emails import is_valid, normalize_email


@pytest.mark.parametrize(
    ("cell", "email", "secondary", "codes"),
    [
        ("Ana.Lima@Example.COM", "ana.lima@example.com", (), ()),
        ("mailto:ana@example.com", "ana@example.com", (), ("email_mailto_stripped",)),
        (
            "MAILTO:ana@example.com?subject=Hi",
            "ana@example.com",
            (),
            ("email_mailto_stripped",),
        ),
        (
            "Ana Lima <Ana@Example.com>",
            "ana@example.com",
            (),
            ("email_display_name_stripped",),
        ),
        ("<ana@example.com>", "ana@example.com", (), ("email_display_name_stripped",)),
        ("ana@example.com.", "ana@example.com", (), ("email_trailing_dot_stripped",)),
        (
            "a@example.com | b@example.org",
            "a@example.com",
            ("b@example.org",),
            ("multiple_emails_in_cell",),
        ),
        (
            "Ana <a@example.com>, Bob <b@example.org>",
            "a@example.com",
            ("b@example.org",),
            None,
        ),
        ("josé@exämple.com", "josé@exämple.com", (), ()),
        ("o'neill@example.ie", "o'neill@example.ie", (), ()),
    ],
)
def test_email(
    cell: str, email: str, secondary: tuple[str, ...], codes: tuple[str, ...] | None
) -> None:
    got = normalize_email(cell)
    assert got[0] == email
    assert got[1] == secondary
    if codes is not None:
        assert got[2] == codes


@pytest.mark.parametrize(
    "cell",
    [
        "eve adams@example.com",
        "farah@@example.org",
        "no-at-sign.example.com",
        "ana@localhost",
        "ana@example",
        "@example.com",
        ".ana@example.com",
        "ana..lima@example.com",
        'ana@example.org"><svg onload=alert(1)>',
        "<script>@example.com",
        "ana@exa mple.com",
        "ana@-example.com",
    ],
)
def test_invalid(cell: str) -> None:
    email, secondary, codes = normalize_email(cell)
    assert email is None
    assert secondary == ()
    assert codes[-1] == "email_invalid"


def test_one_at_sign_is_never_split() -> None:
    assert normalize_email("eve adams@example.com")[0] is None


def test_tokens_that_are_not_addresses_are_dropped() -> None:
    email, secondary, _ = normalize_email("a@example.com and also b@example.com")
    assert (email, secondary) == ("a@example.com", ("b@example.com",))


def test_is_valid_needs_a_dotted_domain_with_a_letter_tld() -> None:
    assert is_valid("a@b.co")
    assert not is_valid("a@b.c")
    assert not is_valid("a@1.23")
