# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""E-mail to consumer organization owners about their new credentials. Names apps and credentials, never a secret."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage


def compose(sender, owner_email, items, org, catalog, deletion_note):
    """One message to one owner about all of their new credentials."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = owner_email
    count = len(items)
    message["Subject"] = "API credentials rotated: %d new credential%s in %s/%s" % (count, "" if count == 1 else "s", org, catalog)
    lines = ["Hello,", "",
             "Your API provider has created new client credentials for these applications of %s in catalog %s/%s:"
             % (items[0]["consumer_org"], org, catalog), ""]
    for item in items:
        lines.append("  - application %s: new credential %s (client id %s) replaces %s"
                     % (item["app"], item["new_credential"], item["new_client_id"], item["credential"]))
    lines += ["", deletion_note, "",
              "The client secrets are not part of this message. They reach you through the secure channel agreed with "
              "your API provider.", ""]
    message.set_content("\n".join(lines))
    return message


def send(settings, messages):
    """Send ``messages`` ({key: EmailMessage}) over one SMTP connection; returns {key: error text or None}."""
    outcome = {}
    context = ssl.create_default_context(cafile=settings.get("ca_path"))
    if not settings.get("validate_certs", True):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        if settings.get("security") == "ssl":
            server = smtplib.SMTP_SSL(settings["host"], settings["port"], timeout=settings["timeout"], context=context)
        else:
            server = smtplib.SMTP(settings["host"], settings["port"], timeout=settings["timeout"])
    except (OSError, smtplib.SMTPException) as exc:
        return {key: "cannot connect to SMTP server %s:%s (%s)" % (settings["host"], settings["port"], exc) for key in messages}
    try:
        if settings.get("security") == "starttls":
            server.starttls(context=context)
        if settings.get("username"):
            server.login(settings["username"], settings["password"])
        for key, message in messages.items():
            try:
                server.send_message(message)
                outcome[key] = None
            except smtplib.SMTPException as exc:
                outcome[key] = "the SMTP server refused the message to %s (%s)" % (message["To"], _smtp_text(exc))
    except (OSError, smtplib.SMTPException) as exc:
        for key in messages:
            outcome.setdefault(key, "SMTP session with %s failed (%s)" % (settings["host"], _smtp_text(exc)))
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return outcome


def _smtp_text(exc):
    if isinstance(exc, smtplib.SMTPResponseException):
        return "%s %s" % (exc.smtp_code, exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error)
    return str(exc) or type(exc).__name__
