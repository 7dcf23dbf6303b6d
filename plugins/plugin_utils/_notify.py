# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""E-mail to the owners of credentials about their new secrets. Names credentials and where they are, never a secret."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import time
from email.message import EmailMessage

from ansible.errors import AnsibleActionFail


SECRETS_ELSEWHERE = ("The secrets are not part of this message. They reach you through the secure channel agreed with "
                     "your platform team.")


def message(sender, owner_email, subject, lines):
    """One message: ``lines`` are its body (names, never a secret)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = owner_email
    mail["Subject"] = subject
    mail.set_content("\n".join(lines))
    return mail


def compose(sender, owner_email, items, org, catalog, deletion_note):
    """One message to one consumer org owner about all of their new API Connect credentials."""
    count = len(items)
    lines = ["Hello,", "",
             "Your API provider has created new client credentials for these applications of %s in catalog %s/%s:"
             % (items[0]["consumer_org"], org, catalog), ""]
    for item in items:
        lines.append("  - application %s: new credential %s (client id %s) replaces %s"
                     % (item["app"], item["new_credential"], item["new_client_id"], item["credential"]))
    lines += ["", deletion_note, "",
              "The client secrets are not part of this message. They reach you through the secure channel agreed with "
              "your API provider.", ""]
    return message(sender, owner_email, "API credentials rotated: %d new credential%s in %s/%s"
                   % (count, "" if count == 1 else "s", org, catalog), lines)


def _open(settings):
    """A logged-in SMTP session (raises OSError or SMTPException)."""
    context = ssl.create_default_context(cafile=settings.get("ca_path"))
    if not settings.get("validate_certs", True):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if settings.get("security") == "ssl":
        server = smtplib.SMTP_SSL(settings["host"], settings["port"], timeout=settings["timeout"], context=context)
    else:
        server = smtplib.SMTP(settings["host"], settings["port"], timeout=settings["timeout"])
    try:
        if settings.get("security") == "starttls":
            server.starttls(context=context)
        if settings.get("username"):
            server.login(settings["username"], settings["password"])
    except BaseException:
        _close(server)
        raise
    return server


def _close(server):
    try:
        server.quit()
    except (OSError, smtplib.SMTPException):
        pass


def reach(settings):
    """Why no message could be sent through the SMTP server (no answer, TLS, login), or None: a session, no message."""
    try:
        _close(_open(settings))
    except (OSError, smtplib.SMTPException) as exc:
        return "the SMTP server %s:%s cannot be used (%s)" % (settings["host"], settings["port"], _smtp_text(exc))
    return None


def send(settings, messages):
    """Send ``messages`` ({key: EmailMessage}) over one SMTP connection; returns {key: error text or None}."""
    outcome = {}
    try:
        server = _open(settings)
    except (OSError, smtplib.SMTPException) as exc:
        return {key: "cannot connect to SMTP server %s:%s (%s)" % (settings["host"], settings["port"], _smtp_text(exc))
                for key in messages}
    try:
        for key, mail in messages.items():
            try:
                server.send_message(mail)
                outcome[key] = None
            except smtplib.SMTPException as exc:
                outcome[key] = "the SMTP server refused the message to %s (%s)" % (mail["To"], _smtp_text(exc))
    except (OSError, smtplib.SMTPException) as exc:
        for key in messages:
            outcome.setdefault(key, "SMTP session with %s failed (%s)" % (settings["host"], _smtp_text(exc)))
    finally:
        _close(server)
    return outcome


def _smtp_text(exc):
    if isinstance(exc, smtplib.SMTPResponseException):
        return "%s %s" % (exc.smtp_code, exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error)
    return str(exc) or type(exc).__name__


def tell(settings, store, works, due, owner_of, compose, lease_timeout=None):
    """Tell each owner, in one message, about their credentials whose new secret is due to be told; the sink remembers.

    ``due(work, record)`` says whether the record's secret is still to be told, ``owner_of(work)`` gives the address
    and ``compose(owner, works)`` the message. With ``lease_timeout``, each credential's lease is held while its
    record is read, the message sent and the mark cleared (another run may be at it); without, the caller holds a lock
    over all of them. A message the server refuses fails its credentials and leaves the mark: a re-run tells them.
    """
    with contextlib.ExitStack() as held:
        ready = []
        for work in sorted(works, key=lambda each: each.key):  # one order, as the engine takes them: no deadlock
            if lease_timeout is not None and not held.enter_context(store.lock(work.key, lease_timeout)):
                _fail(work, "its owner was not told: another run holds its lease (a re-run tells them)")
                continue
            record = store.current(work.key) if lease_timeout is not None else store.get(work.key)
            if due(work, record):
                ready.append((work, record))
        by_owner, records = {}, {}
        for work, record in ready:
            records[work.key] = record
            owner = owner_of(work)
            if owner:
                by_owner.setdefault(owner, []).append(work)
            else:
                _fail(work, "the new secret is in the sink and works, but nobody was told: it has no owner e-mail (set "
                            "owner_email)")
        sent = send(settings, {owner: compose(owner, owned) for owner, owned in by_owner.items()}) if by_owner else {}
        told, stamp = [], time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for owner, owned in by_owner.items():
            for work in owned:
                if sent.get(owner):
                    _fail(work, "the new secret is in the sink and works, but its owner was not told: %s (a re-run tells "
                                "them)" % sent[owner])
                    continue
                record = {name: value for name, value in records[work.key].items() if name != "notice_due"}
                store.put(work.key, dict(record, notified_at=stamp), wait=False)
                work.steps.append("told %s" % owner)
                told.append(work)
        try:
            store.flush()
        except AnsibleActionFail as error:
            for work in told:
                _fail(work, "the owner was told, but the sink could not record it (%s): a re-run tells them again" % error)


def _fail(work, error):
    """The credential fails with ``error`` (after what failed it already, if anything did)."""
    if work.result in ("failed", "would fail"):
        work.error = "%s; %s" % (work.error, error) if work.error else error
    else:
        work.result, work.error = "failed", error
